import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../api/client';

/**
 * A form's submit with its busy flag and, on failure, the server's message (never a generic one). A
 * second submit while one runs is ignored: the button says it is busy with aria-disabled rather than
 * `disabled`, which would drop keyboard focus to the page.
 */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const running = useRef(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
