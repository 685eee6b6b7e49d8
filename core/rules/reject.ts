/** An entry its author may not make, or that does not fit the state: the fold lists it with `reason`, never applies it. */
export class Rejection extends Error {}

export const reject = (reason: string): never => {
  throw new Rejection(reason);
};
