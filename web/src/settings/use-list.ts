import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';

/** A settings list loaded from `path` (`{ items }`), with its error and a reload. */
export function useList<T>(path: string) {
  const query = useQuery({
    queryKey: keys.list(path),
    queryFn: async ({ signal }) => (await api<{ items: T[] }>('GET', path, undefined, { signal })).items,
  });
  const [changeError, setError] = useState<string | null>(null);
  const reload = async () => {
    await query.refetch();
  };
  const error = changeError ?? (query.error ? describeError(query.error) : null);
  return { items: query.data ?? null, error, setError, reload };
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
