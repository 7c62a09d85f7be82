// The IPS action model: one line of a package manifest after pkgmogrify's processing, such as
// `file path=usr/bin/passwd owner=root group=sys mode=4555`. Attribute values are always kept as
// lists because IPS lets any attribute repeat (`alias=` many times on a driver action).

export const ACTION_TYPES = ['file', 'dir', 'link', 'hardlink', 'driver', 'user', 'group', 'license', 'depend', 'set', 'legacy', 'signature', 'unknown'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Only these action types may carry a positional payload (a hash or license name). */
export const PAYLOAD_TYPES: ReadonlySet<ActionType> = new Set<ActionType>(['file', 'license', 'signature']);

/** Where an action came from: the manifest being processed and the physical line it starts on. */
export interface ActionOrigin {
  /** The top-level manifest (the package) the action belongs to. */
  manifest: string;
  /** The file holding the action's text: the manifest itself or a file it includes. */
  file: string;
  line: number;
}

export interface ManifestAction extends ActionOrigin {
  type: ActionType;
  /** The positional payload of file/license/signature actions, when present. */
  payload?: string;
  attrs: Map<string, string[]>;
}

export function isActionType(s: string): s is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(s);
}

/** Every value of an attribute, in manifest order; empty when absent. */
export function attrList(action: Pick<ManifestAction, 'attrs'>, key: string): string[] {
  return action.attrs.get(key) ?? [];
}

/** The single value of an attribute (the first, if it repeats). */
export function attrOne(action: Pick<ManifestAction, 'attrs'>, key: string): string | undefined {
  return action.attrs.get(key)?.[0];
}

/** "file:line" for messages. */
export function where(origin: Pick<ActionOrigin, 'file' | 'line'>): string {
  return `${origin.file}:${origin.line}`;
}
