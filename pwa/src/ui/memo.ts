/**
 * A component that redraws only when its props change (Preact's core has no `memo`;
 * preact/compat's is this, with React's whole API around it). Arrays in props are
 * compared item by item, so a list rebuilt around the same objects counts as unchanged.
 */

import { createElement, type Component, type FunctionComponent } from "preact";

function sameProp(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return false;
}

/** Whether two props objects hold the same values (functions included: pass stable ones). */
export function sameProps(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => sameProp(a[k], b[k]));
}

export function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  function Memoed(this: Component<P>, props: P) {
    this.shouldComponentUpdate = function (this: Component<P>, next: P) {
      return !sameProps(this.props as Record<string, unknown>, next as Record<string, unknown>);
    };
    return createElement(render as FunctionComponent<object>, props as object);
  }
  Memoed.displayName = `Memo(${render.displayName || render.name})`;
  return Memoed as FunctionComponent<P>;
}
