import { type ReactNode, useEffect, useId, useRef } from 'react';
import { t } from '../i18n/i18n';

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

/**
 * "Are you sure?" before an action: the safe choice (Cancel, or `cancel`) takes focus when it opens, the
 * other button closes the dialog and then acts.
 */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirm: string;
  /** `danger` for what deletes, ends or disconnects; `primary` for a weighty but wanted step (a launch). */
  tone?: 'danger' | 'primary';
  cancel?: string;
  onClose: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog
      title={props.title}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
          <button type="button" autoFocus onClick={props.onClose}>
            {props.cancel ?? t('common.cancel')}
          </button>
          <button
            type="button"
            className={props.tone ?? 'danger'}
            onClick={() => {
              props.onClose();
              props.onConfirm();
            }}
          >
            {props.confirm}
          </button>
        </>
      }
    >
      {props.children}
    </Dialog>
  );
}
