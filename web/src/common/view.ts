import { useEffect, useRef } from 'react';

/**
 * A view's title and heading: the document title names the view (`Inbox · Leadline`), and the view's
 * heading (tabIndex -1) takes focus when the view appears, so keyboard and screen-reader users continue
 * from the new view rather than from the top of the page or the body.
 */
export function useView<T extends HTMLElement = HTMLHeadingElement>(title: string | null) {
  const heading = useRef<T>(null);
  useEffect(() => {
    document.title = title ? `${title} · Leadline` : 'Leadline';
  }, [title]);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return heading;
}
