// Who may do what in the console: viewers read; approvers also approve, reject, resolve tickets and
// press the kill switch (stopping is always allowed to whoever may act); admins also change the mode.
export const ROLES = ["viewer", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

/** Does `role` include everything `needed` may do? */
export const mayAct = (role: Role, needed: Role) => RANK[role] >= RANK[needed];
