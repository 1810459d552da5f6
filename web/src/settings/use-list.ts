import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api/client';

/** A settings list loaded from `path` (`{ items }`), with its error and a reload. */
export function useList<T>(path: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setItems((await api<{ items: T[] }>('GET', path)).items);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { items, error, setError, reload };
}

/** Runs a change, then reloads; a failure becomes the page's error. */
export async function attempt(
  work: () => Promise<unknown>,
  setError: (message: string | null) => void,
  reload: () => Promise<void>,
) {
  try {
    await work();
    setError(null);
    await reload();
    return true;
  } catch (caught) {
    setError(describeError(caught));
    return false;
  }
}
