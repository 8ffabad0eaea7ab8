import type { ComponentChildren } from "preact";

export function Banner({ kind, children, testid }: { kind: "warn" | "info" | "error"; children: ComponentChildren; testid?: string }) {
  return (
    <div class={`banner banner-${kind}`} role={kind === "info" ? "status" : "alert"} data-testid={testid}>
      {children}
    </div>
  );
}
