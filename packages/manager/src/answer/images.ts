// Images on /api/chat messages and /api/generate (base64, as Ollama's api.ImageData arrives), checked here and
// placed in the prompt as Ollama's imageTaggedMessages places them: an image goes where the text says `[img]`,
// else before the text, in order. The place is llama.cpp mtmd's marker, which the runner replaces with the
// image's embeddings.
import { BadRequestError } from '../errors.ts';
import { IMAGE_MARKER } from '../runner/protocol.ts';
import { isWebp } from '../runner/webp.ts';

/** Formats the engine decodes (stb_image), by their first bytes; WebP the runner decodes first (webp.ts). */
const READABLE: [name: string, magic: number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
];

/**
 * A request's images (`field` names them in messages), each base64 of a PNG, JPEG, WebP, GIF or BMP file. What
 * is not base64, or not one of those, is refused here, before the model is loaded; a file that starts as an
 * image and is corrupt after is refused by the runner (400 too).
 */
export function requestImages(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new BadRequestError(
      `${field} must be a list of base64-encoded images, not ${JSON.stringify(value)}`,
    );
  }
  return value.map((image, i) => {
    const at = `${field}[${i}]`;
    if (typeof image !== 'string')
      throw new BadRequestError(`${at} must be a base64-encoded image (a string)`);
    const text = image.replace(/\s/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new BadRequestError(
        `${at} is not base64: send the image file's bytes base64-encoded (without a data: URL prefix)`,
      );
    }
    const bytes = Buffer.from(text, 'base64');
    if (!isWebp(bytes) && !READABLE.some(([, magic]) => magic.every((b, j) => bytes[j] === b))) {
      throw new BadRequestError(
        `${at} is not an image this server can read: send PNG, JPEG, WebP, GIF or BMP`,
      );
    }
    return text;
  });
}

/**
 * A message's text with a place for each of its images (Ollama's `[img]` replaced in turn, else a prefix), and
 * its images in the order of those places (the prefixed ones come first).
 */
export function withImagePlaces(content: string, images: string[]): { text: string; images: string[] } {
  const prefixed: string[] = [];
  const inText: string[] = [];
  let text = content;
  for (const image of images) {
    if (text.includes('[img]')) {
      text = text.replace('[img]', IMAGE_MARKER);
      inText.push(image);
    } else prefixed.push(image);
  }
  return { text: IMAGE_MARKER.repeat(prefixed.length) + text, images: [...prefixed, ...inText] };
}
