/** The local SMTP server the relay's `start` uses, for tests: every mail received is kept. */
export { localSmtp, type Mail } from '../../relay/mailbox.js';
