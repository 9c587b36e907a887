import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/** The width of an element, kept up to date; charts are drawn at an explicit size so they appear in the same frame as their data. */
export function useElementWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(Math.floor(element.getBoundingClientRect().width));
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

/**
 * Marks when a screen's chart is drawn, measured from when the user navigated to it: a
 * performance measure named `mailtrail:<screen>` and the figure on the chart (`data-render-ms`).
 */
export function useRenderTiming(screen: string, startedAt: number, drawn: boolean) {
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const reported = useRef<number | null>(null);
  useEffect(() => {
    if (!drawn || reported.current === startedAt) return;
    reported.current = startedAt;
    const frame = requestAnimationFrame(() => {
      const ms = Math.round(performance.now() - startedAt);
      try {
        performance.measure(`mailtrail:${screen}`, { start: startedAt, end: startedAt + ms });
      } catch {
        // Older engines lack measure options; the attribute still carries the figure.
      }
      setRenderMs(ms);
    });
    return () => cancelAnimationFrame(frame);
  }, [drawn, screen, startedAt]);
  return renderMs;
}

/** A card holding one chart, sized by its container. */
export function ChartCard({
  title,
  subtitle,
  tools,
  testId,
  renderMs,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  tools?: ReactNode;
  testId: string;
  renderMs?: number | null;
  children: (width: number) => ReactNode;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  return (
    <section className="card chart-card" aria-label={title} data-testid={testId} data-render-ms={renderMs ?? undefined}>
      <div className="card__header">
        <div>
          <h2 className="card__title">{title}</h2>
          {subtitle && <p className="card__subtitle">{subtitle}</p>}
        </div>
        {tools}
      </div>
      <div ref={ref} className="chart-card__body">
        {width > 0 && children(width)}
      </div>
    </section>
  );
}
