// What a model writes, rendered as markdown. Nothing in it can run: raw HTML is shown as the text it is (never
// rendered, never dropped: "what does <div> do?" keeps its <div>), rehype-sanitize
// keeps only GitHub's safe subset of elements and attributes, links to other sites open in a new tab without
// access to this one, and images become links (the page's policy blocks remote images, which could leak a
// conversation to whoever serves them). Code is highlighted and has its own copy button.
import { type ComponentProps, memo, type ReactNode } from 'react';
import ReactMarkdown from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { CopyButton } from './CopyButton.tsx';

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (node && typeof node === 'object' && 'props' in node) {
    return textOf((node.props as { children?: ReactNode }).children);
  }
  return '';
}

function CodeBlock({ children }: ComponentProps<'pre'>) {
  const code = Array.isArray(children) ? children[0] : children;
  const className = (code as { props?: { className?: string } } | undefined)?.props?.className ?? '';
  const language = /language-([\w+#-]+)/.exec(className)?.[1];
  return (
    <div className="code-block">
      <div className="code-head">
        <span>{language ?? 'code'}</span>
        <CopyButton text={() => textOf(children).replace(/\n$/, '')} label="Copy code" />
      </div>
      <pre>{children}</pre>
    </div>
  );
}

function Link({ href, children }: ComponentProps<'a'>) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function Image({ src, alt }: ComponentProps<'img'>) {
  return typeof src === 'string' && src ? (
    <a href={src} target="_blank" rel="noopener noreferrer nofollow">
      {`[image: ${alt || src}]`}
    </a>
  ) : null;
}

type MdNode = { type: string; value?: string; children?: MdNode[] };

/**
 * Raw HTML in the markdown (a `<div>` in a sentence, an HTML block) becomes plain text before anything renders
 * it. Without this, rehype-sanitize drops it: the words a model (or a user) wrote would vanish. Iterative, so
 * a deeply nested answer cannot overflow the stack.
 */
function remarkHtmlAsText() {
  return (tree: MdNode) => {
    const stack: MdNode[] = [tree];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.type === 'html') node.type = 'text';
      if (node.children) stack.push(...node.children);
    }
  };
}

const plugins = {
  remark: [remarkGfm, remarkHtmlAsText],
  rehype: [rehypeSanitize, [rehypeHighlight, { detect: false }]] as never,
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={plugins.remark}
        rehypePlugins={plugins.rehype}
        components={{ pre: CodeBlock, a: Link, img: Image }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
