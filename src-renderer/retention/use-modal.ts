import { useLayoutEffect, useRef } from 'react';

/** A modal <dialog>: focus stays inside, Esc cancels, and closing returns focus to what opened it. */
export function useModal(onCancel: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef(onCancel);
  cancel.current = onCancel;
  // A layout effect: its cleanup closes the dialog while it is still in the document, so focus returns to what opened it.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const onClose = (event: Event) => {
      event.preventDefault();
      cancel.current();
    };
    dialog.addEventListener('cancel', onClose);
    return () => {
      dialog.removeEventListener('cancel', onClose);
      if (dialog.open) dialog.close();
    };
  }, []);
  return ref;
}
