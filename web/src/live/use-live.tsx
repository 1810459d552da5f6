import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import type { LiveEvent } from '../api/types';
import { connectLive, type LiveState } from './live';

type Listener = (event: LiveEvent) => void;

interface LiveContextValue {
  state: LiveState;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveContextValue>({ state: 'offline', subscribe: () => () => {} });

/** One socket for the whole page; screens subscribe to the events they show. */
export function LiveProvider(props: { children: ReactNode; onSessionEnded: () => Promise<boolean> }) {
  const [state, setState] = useState<LiveState>('connecting');
  const listeners = useRef(new Set<Listener>());
  const onSessionEnded = useRef(props.onSessionEnded);
  onSessionEnded.current = props.onSessionEnded;

  useEffect(
    () =>
      connectLive({
        onEvent: (event) => {
          for (const listener of listeners.current) listener(event);
        },
        onResync: () => {
          for (const listener of listeners.current) listener({ type: 'resync' });
        },
        onState: setState,
        onSessionEnded: () => onSessionEnded.current(),
      }),
    [],
  );

  const value = useRef<LiveContextValue>({
    state,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  value.current = { ...value.current, state };
  return <LiveContext.Provider value={value.current}>{props.children}</LiveContext.Provider>;
}

/** Calls `listener` for every live event (and `{type:'resync'}` after missed ones). */
export function useLiveEvents(listener: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}

export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}
