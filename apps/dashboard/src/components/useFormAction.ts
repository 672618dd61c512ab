'use client';
/**
 * useActionState for forms that must keep what the user typed when the server answers with
 * errors: React resets a form after an `action` submission, so with JavaScript we submit from
 * onSubmit inside a transition instead (the `action` stays for the no-JavaScript path).
 */
import { type FormEvent, startTransition, useActionState } from 'react';

export function useFormAction<State>(
  serverAction: (state: Awaited<State>, formData: FormData) => State | Promise<State>,
  initialState: Awaited<State>,
) {
  const [state, action, pending] = useActionState(serverAction, initialState);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    startTransition(() => action(formData));
  };
  return [state, { action, onSubmit }, pending] as const;
}
