import type { Bucket } from './date-range';

/** The SVG id of the stripes a partial bucket's bar is drawn with, one per colour. */
export const partialFillId = (name: string): string => `partial-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Diagonal stripes in each colour, for bars of a bucket that does not hold a whole period. */
export function PartialPatterns({ colours }: { colours: { name: string; colour: string }[] }) {
  return (
    <defs>
      {colours.map(({ name, colour }) => (
        <pattern key={name} id={partialFillId(name)} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" fill={colour} fillOpacity={0.25} />
          <rect width="3" height="6" fill={colour} fillOpacity={0.7} />
        </pattern>
      ))}
    </defs>
  );
}

/** Why a bar is low: said in the legend and the tooltip. */
export const partialNote = (bucket: Bucket): string => `partial ${bucket}: the range or today ends inside it, so it holds less than a whole ${bucket}`;

/** The legend entry explaining the striped bars. */
export function PartialLegendItem({ bucket }: { bucket: Bucket }) {
  return (
    <li className="legend__item legend__item--partial" data-testid="legend-partial" title={partialNote(bucket)}>
      <span className="legend__swatch legend__swatch--partial" aria-hidden="true" />
      partial {bucket}
    </li>
  );
}
