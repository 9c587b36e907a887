import { useEffect, useRef } from 'react';

export interface ListKeyboard {
  count: number;
  selected: number;
  select(index: number): void;
  /** The list's virtualizer, scrolled so that the selected row is in view. */
  virtualizer?: { scrollToIndex(index: number, options: { align: 'auto' }): void };
  open?(index: number): void;
  back?(): void;
  enabled?: boolean;
}

const isTyping = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable || target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');

/** j/k or arrows move the selection, Enter opens it, Esc goes back; typing in a field keeps its keys. */
export function useListKeyboard(options: ListKeyboard): void {
  const ref = useRef(options);
  ref.current = options;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const { count, selected, select, virtualizer, open, back, enabled = true } = ref.current;
      if (!enabled || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      // A modal dialog (the export dialog over a timeline) owns the keyboard: its Esc closes it, not the page.
      if (event.target instanceof Element && event.target.closest('dialog[open]')) return;
      const typing = isTyping(event.target);
      const inSearch = event.target instanceof HTMLInputElement && event.target.type === 'search';
      if (typing && !inSearch) return;
      const down = event.key === 'ArrowDown' || (!typing && event.key === 'j');
      const up = event.key === 'ArrowUp' || (!typing && event.key === 'k');
      if ((down || up) && count > 0) {
        event.preventDefault();
        const from = selected < 0 ? (down ? -1 : count) : selected;
        const next = Math.min(count - 1, Math.max(0, from + (down ? 1 : -1)));
        select(next);
        virtualizer?.scrollToIndex(next, { align: 'auto' });
      } else if (event.key === 'Enter' && open && selected >= 0 && selected < count) {
        if (!typing && event.target instanceof HTMLElement && event.target.closest('button, a')) return;
        event.preventDefault();
        open(selected);
      } else if (event.key === 'Escape' && back && !typing) {
        event.preventDefault();
        back();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
