// Ollama's model/renderers/image_tags.go: where a renderer writes a message's images into its text as [img-N]
// tags (numbered across the whole conversation), which the runner then replaces with the image's embedding.

/**
 * A message's content with its images tagged: each `[img]` the user wrote takes the next number, the others go
 * in front (with a space before text). Content that already has `[img-` tags is left as it is. Returns the text
 * and the number the next message's first image gets.
 */
export function renderContentWithImageTags(
  content: string,
  imageCount: number,
  imageOffset: number,
): [string, number] {
  if (imageCount === 0) return [content, imageOffset];
  if (content.includes('[img-')) return [content, imageOffset + imageCount];
  let prefix = '';
  for (let i = 0; i < imageCount; i++) {
    const imgTag = `[img-${imageOffset + i}]`;
    if (content.includes('[img]')) content = content.replace('[img]', imgTag);
    else prefix += imgTag;
  }
  if (prefix !== '' && content !== '' && !/^\s/u.test(content)) prefix += ' ';
  return [prefix + content, imageOffset + imageCount];
}
