// A message in a form or dialog: an error is an alert (read out at once), anything else a status.
export type NoticeText = { kind: 'error' | 'ok'; text: string };

export function Notice({ message }: { message: NoticeText | null }) {
  if (!message) return null;
  return (
    <p
      className={message.kind === 'error' ? 'notice error' : 'notice'}
      role={message.kind === 'error' ? 'alert' : 'status'}
    >
      {message.text}
    </p>
  );
}
