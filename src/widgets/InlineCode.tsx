/**
 * A server message as text, its `quoted code` shown as code: the engine quotes
 * code in backticks (for the CLI's plain text), which the panel showed as
 * literal backticks ("Run all cells once (or use `jupyter-prod run`)").
 */
import * as React from 'react';

/** `text` with each backticked span as `<code>`; a text with an unpaired backtick as it is. */
export function InlineCode(props: { text: string }): JSX.Element {
  const parts = props.text.split('`');
  if (parts.length < 3 || parts.length % 2 === 0) {
    return <>{props.text}</>;
  }
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? <code key={i}>{part}</code> : part
      )}
    </>
  );
}
