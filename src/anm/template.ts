/**
 * `{{name}}` templates of the `http` and `command` strategies. The configuration
 * schema already rejected unknown names; rendering is a pure substitution, and the
 * caller decides the encoding (URL component for paths, form encoding for fields, none
 * for argv where there is no shell to inject into).
 */

const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

export type TemplateVars = Readonly<Record<string, string | undefined>>;

/** Substitute `{{name}}` with `encode(vars[name] ?? '')`. */
export function renderTemplate(template: string, vars: TemplateVars, encode: (v: string) => string = (v) => v): string {
  return template.replace(TEMPLATE_RE, (_m, name: string) => encode(vars[name] ?? ''));
}

/** Render every value of a record (keys are literal). */
export function renderRecord(record: Readonly<Record<string, string>>, vars: TemplateVars): Array<[string, string]> {
  return Object.entries(record).map(([k, v]) => [k, renderTemplate(v, vars)]);
}

/** application/x-www-form-urlencoded body from rendered fields. */
export function formEncode(fields: Array<[string, string]>): string {
  return new URLSearchParams(fields).toString();
}
