// Images a user attaches to a question: which kinds are taken and how many, told apart by their first bytes (never
// by a name or a claimed type), for the server that stores them and the page that checks them before upload.

/** The kinds of image a question may carry, as their media types. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** What the page and the server say when a file is none of IMAGE_TYPES. */
export const ACCEPTED_IMAGES_TEXT = 'PNG, JPEG or WebP';

/** Images one question may carry (each within OWNCHAT_IMAGE_MAX_MB). */
export const MAX_IMAGES_PER_MESSAGE = 4;

/** What a file's first bytes say it is: one of IMAGE_TYPES, or undefined for anything else. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  // RIFF....WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

/** "2.4 MB": sizes in the messages about limits. */
export function megabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

/** Says `model` cannot read images, the same way on the page and from the server. */
export const cannotReadImages = (model: string) => `${model} cannot read images`;
