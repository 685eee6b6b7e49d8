/**
 * The minutes record attached to a minutes PDF (`minutes.json`, a PDF/A-3 associated file): found in the
 * catalog's /Names /EmbeddedFiles by name. Pure pdf-lib, so the CLI and the browser's record check read it alike.
 */
import { PDFArray, PDFDict, type PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString, decodePDFRawStream } from 'pdf-lib';
import { fromUtf8 } from '../../crypto/bytes.js';

export const MINUTES_ATTACHMENT = 'minutes.json';

/** The parsed attachment `minutes.json`, or undefined when the PDF has none. Throws on an attachment that is no JSON. */
export function minutesAttachment(doc: PDFDocument): unknown {
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict)?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict)?.lookupMaybe(PDFName.of('Names'), PDFArray);
  for (let i = 0; names && i + 1 < names.size(); i += 2) {
    const name = names.lookup(i);
    const text = name instanceof PDFHexString || name instanceof PDFString ? name.decodeText() : '';
    if (text !== MINUTES_ATTACHMENT) continue;
    const file = names.lookup(i + 1, PDFDict).lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F'));
    if (file instanceof PDFRawStream) return JSON.parse(fromUtf8(decodePDFRawStream(file).decode()));
  }
  return undefined;
}
