const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/**
 * A label's colour dot. Set through the CSSOM (React's style prop), which the CSP's style-src 'self'
 * allows, unlike a style attribute in markup; only a #rrggbb value is used.
 */
export function LabelSwatch(props: { color: string | undefined }) {
  if (!props.color || !HEX_COLOR.test(props.color)) return null;
  return <span className="swatch" style={{ backgroundColor: props.color }} aria-hidden="true" />;
}
