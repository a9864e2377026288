// Any other path.

import { Link } from "../ui";

export function NotFound() {
  return (
    <div class="page">
      <h1>Nothing here</h1>
      <p>
        <Link href="/studio">Go to the studio</Link>
      </p>
    </div>
  );
}
