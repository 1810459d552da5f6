import { type KeyboardEvent, type ReactNode, useId, useRef } from 'react';

/**
 * The WAI-ARIA tabs pattern (automatic activation): one tab stop for the list, arrow keys (and Home/End)
 * move and select, Tab moves on into the panel. Hand-written rather than Radix Tabs: for two tabs, Radix
 * adds about 15 KB (gzipped) to the inbox's first load (docs/decisions/0024).
 */
export function Tabs<T extends string>(props: {
  label: string;
  tabs: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  const buttons = useRef(new Map<T, HTMLButtonElement>());
  const onKeyDown = (event: KeyboardEvent) => {
    const index = props.tabs.findIndex((tab) => tab.value === props.value);
    const last = props.tabs.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? (index + 1) % props.tabs.length
        : event.key === 'ArrowLeft'
          ? (index + last) % props.tabs.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    const tab = next === null ? undefined : props.tabs[next];
    if (!tab) return;
    event.preventDefault();
    props.onChange(tab.value);
    buttons.current.get(tab.value)?.focus();
  };
  return (
    <div className={props.className}>
      <div role="tablist" aria-label={props.label} className="tabs" onKeyDown={onKeyDown}>
        {props.tabs.map((tab) => (
          <button
            key={tab.value}
            ref={(element) => {
              if (element) buttons.current.set(tab.value, element);
              else buttons.current.delete(tab.value);
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${tab.value}`}
            aria-selected={tab.value === props.value}
            aria-controls={`${id}-panel`}
            tabIndex={tab.value === props.value ? 0 : -1}
            onClick={() => props.onChange(tab.value)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${props.value}`}>
        {props.children}
      </div>
    </div>
  );
}
