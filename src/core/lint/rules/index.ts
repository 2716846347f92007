// Every rule module registers itself when imported: to add a rule, create rules/cwNNN.ts (ending in a
// registerRule(...) call) and add one `import './cwNNN';` line here, in id order.
import './cw001';
import './cw101';
import './cw102';
import './cw103';
import './cw104';
import './cw105';
import './cw106';
import './cw107';
import './cw2xx'; // CW201-CW210 (L2)
import './cw3xx'; // CW301-CW304 (L2)
import './cw5xx'; // CW501-CW505 (L2)
import './cw506';
import './cw507';
import './cw6xx'; // CW601-CW605 (L2)
import './cw606';
import './cw607';
import './cw401';
import './cw402';
import './cw403';
import './cw404';
import './cw405';
import './cw406';
import './cw407';
import './cw408';
import './cw409';
import './cw410';
