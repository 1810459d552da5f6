import { useEffect, useRef } from 'react';

/**
 * A settings page loaded on demand renders after Settings has tried to focus its heading: it focuses its
 * own heading when it appears, so keyboard and screen-reader users start there as on every other page.
 */
export function useLazyPageHeading() {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return heading;
}
