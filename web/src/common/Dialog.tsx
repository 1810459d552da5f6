import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal dialog on the platform's own <dialog> and showModal(): the rest of the page becomes inert, Tab
 * stays inside, Escape closes, and focus returns to where it was on close. (Radix's Dialog locks
 * scrolling by injecting a <style> element, which the dashboard's CSP without 'unsafe-inline' refuses.)
 */
export function Dialog(props: {
  title: string;
  role?: 'dialog' | 'alertdialog';
  onClose: () => void;
  children: ReactNode;
  actions: ReactNode;
}) {
  const element = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = element.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={element}
      className="dialog"
      role={props.role === 'alertdialog' ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      onClose={props.onClose}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
      <div className="dialog-actions">{props.actions}</div>
    </dialog>
  );
}
