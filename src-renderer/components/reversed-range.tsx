/**
 * A range whose From is after its To, said plainly with the fix one click away. It is never swapped
 * silently: the API answers such a range with 400 (isReversedRange), and the screens say so.
 */
export function ReversedRangeNotice({ from, to, consequence, onSwap, className }: { from: string; to: string; consequence: string; onSwap(): void; className?: string }) {
  return (
    <div className={`notice notice--warning${className ? ` ${className}` : ''}`} role="alert" data-testid="range-reversed">
      <span className="notice__mark" aria-hidden="true">
        !
      </span>
      <span>
        From ({from}) is after To ({to}). {consequence}
      </span>
      <button type="button" className="button button--secondary button--sm" onClick={onSwap} data-testid="range-swap">
        Swap From and To
      </button>
    </div>
  );
}
