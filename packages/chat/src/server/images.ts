// Images as a question brings them (base64, as Ollama's `images`): decoded, their kind found from their bytes, and
// held to the limits (shared/images.ts, OWNCHAT_IMAGE_MAX_MB), each refusal saying what to change.
import type { NewImage } from '../db/chatStore.ts';
import { ACCEPTED_IMAGES_TEXT, MAX_IMAGES_PER_MESSAGE, megabytes, sniffImageType } from '../shared/images.ts';
import { BadRequestError, PayloadTooLargeError } from './errors.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The longest base64 text of an image within `maxBytes`. */
export const base64Length = (maxBytes: number) => 4 * Math.ceil(maxBytes / 3);

/**
 * The largest body a question may have: its images at their largest, and room for its text (1 MB, as the schema
 * allows, escaped at worst 6 characters a character) and JSON around them.
 */
export const questionBodyLimit = (maxBytes: number) =>
  MAX_IMAGES_PER_MESSAGE * (base64Length(maxBytes) + 16) + 6_000_000 + 64 * 1024;

/** Decodes a question's images; throws 400 (not base64, not an image taken) or 413 (too large) naming the image. */
export function decodeImages(images: string[], maxBytes: number): NewImage[] {
  if (images.length > MAX_IMAGES_PER_MESSAGE) {
    throw new BadRequestError(
      `a question may carry at most ${MAX_IMAGES_PER_MESSAGE} images (this one has ${images.length}): send the others with another question`,
    );
  }
  return images.map((text, i) => {
    const which = images.length > 1 ? `image ${i + 1}` : 'the image';
    const tooLarge = (size: number) =>
      new PayloadTooLargeError(
        `${which} is ${megabytes(size)}: images may be at most ${megabytes(maxBytes)} (OWNCHAT_IMAGE_MAX_MB); make it smaller`,
      );
    // Refused before decoding: a huge image is not copied again only to be refused.
    if (text.length > base64Length(maxBytes)) throw tooLarge(Math.floor((text.length * 3) / 4));
    if (!BASE64.test(text) || text.length % 4 !== 0) {
      throw new BadRequestError(
        `${which} is not base64 text: send each image's bytes in base64, as Ollama's images`,
      );
    }
    const data = Buffer.from(text, 'base64');
    const type = sniffImageType(data);
    if (!type) {
      throw new BadRequestError(
        `${which} is not a ${ACCEPTED_IMAGES_TEXT} image: attach ${ACCEPTED_IMAGES_TEXT}`,
      );
    }
    if (data.byteLength > maxBytes) throw tooLarge(data.byteLength);
    return { type, data };
  });
}
