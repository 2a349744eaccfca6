// Prints the permission table for docs/access-control.md (between its table markers).
import { formatPermissionTable } from '../src/identity/permissions.js';

console.log(formatPermissionTable());
