/**
 * The detail pane: one access's full story as main tells it (history.entry). What the agent
 * verified with the OS and what the client claimed are two sections, the claims marked as such.
 * Every text from the log goes through displayText, as in the table.
 */
import type { AccessStory, StoryProcess } from '../common/history.ts';
import { displayText } from '../common/display.ts';
import { h } from './dom.ts';
import { formatDuration, formatLocalTime } from './format.ts';

const SOURCES: Record<string, string> = {
  vault: 'the vault (stored keys)',
  cache: 'a cached session',
  minted: 'minted now with STS',
  external: 'an external command',
};

const SCOPES: Record<string, string> = {
  once: 'once',
  run: 'this run of the program',
  'program-folder': 'this program in this folder',
  any: 'any program',
};

type Item = [label: string, value: string | HTMLElement];

function list(items: Item[]): HTMLElement {
  return h(
    'dl',
    {},
    items.flatMap(([label, value]) => [
      h('dt', { text: label }),
      typeof value === 'string' ? h('dd', { text: displayText(value, 500) }) : h('dd', {}, [value]),
    ]),
  );
}

function section(title: string, className: string, body: HTMLElement[], mark?: string): HTMLElement {
  const heading = h('h3', { text: title }, mark ? [h('span', { className: 'mark', text: mark })] : []);
  return h('section', { className: `story ${className}` }, [heading, ...body]);
}

const proc = (p: StoryProcess): string => `${p.exe} (pid ${p.pid}): ${p.argv.join(' ')}`;

function verifiedSection(s: AccessStory): HTMLElement {
  const v = s.verified;
  if (!v)
    return section('Requesting program', 'verified none', [
      h('p', {
        className: 'muted',
        text: 'Not verified: the OS could not name the caller, so only its claims below are known.',
      }),
    ]);
  const ancestry = h(
    'ol',
    { className: 'ancestry' },
    v.ancestry.map((p) => h('li', { text: displayText(proc(p), 300) })),
  );
  return section(
    'Requesting program',
    'verified',
    [
      list([
        ['Program', v.requester.exe],
        ['Arguments', v.requester.argv.join(' ')],
        ['Folder', v.requester.cwd],
        ['Process', `pid ${v.requester.pid}, started at tick ${v.requester.startTime}`],
        ['Connected', `pid ${v.peer.pid}, uid ${v.peer.uid}, named by ${v.method}`],
        ['Ancestry', ancestry],
      ]),
    ],
    'verified',
  );
}

function claimedSection(s: AccessStory): HTMLElement | undefined {
  const c = s.claimed;
  if (!c) return undefined;
  return section(
    'What the client said',
    'claimed',
    [
      list([
        ['Command', c.command],
        ['Folder', c.cwd],
        ['Process', `pid ${c.pid}, parent ${c.ppid}`],
      ]),
    ],
    'claimed, not proof',
  );
}

function credentialsSection(s: AccessStory): HTMLElement | undefined {
  const items: Item[] = [];
  if (s.approval)
    items.push(['Approval', `${SCOPES[s.approval.scope] ?? s.approval.scope}, granted at prompt ${s.approval.grant}`]);
  if (s.served) items.push(['Came from', SOURCES[s.served] ?? s.served]);
  if (s.credentialId) items.push(['Access key id', s.credentialId]);
  if (s.sessionName) items.push(['Role session', s.sessionName]);
  if (s.cloudTrail) items.push(['CloudTrail', h('code', { className: 'cloudtrail', text: s.cloudTrail })]);
  return items.length ? section('Credentials', 'credentials', [list(items)]) : undefined;
}

/** The pane's content for `s`. */
function storyView(s: AccessStory): HTMLElement[] {
  const title = `Entry ${s.seq}: ${s.event}${s.profile ? ` of ${s.profile}` : ''}${s.decision ? `, ${s.decision}` : ''}`;
  const head: HTMLElement[] = [
    h('h2', { text: displayText(title, 200) }),
    h('p', {
      className: 'muted',
      text: `${formatLocalTime(s.time)}${s.durationMs === null ? '' : `, took ${formatDuration(s.durationMs)}`}`,
    }),
  ];
  if (s.firstUse && s.verified)
    head.push(
      h('p', {
        className: 'first-use',
        text: displayText(`First time ${s.verified.requester.exe} asks for ${s.profile ?? '?'} (in 90 days)`, 300),
      }),
    );
  if (s.reason) head.push(h('p', { className: 'reason', text: displayText(s.reason, 500) }));
  const chain = section('Place in the chain', 'chain', [
    list([
      ['Entry', String(s.seq)],
      ['Anchored', s.anchored ? 'yes: the keychain anchor covers it' : 'not yet: after the last keychain anchor'],
      ...(s.requestId ? ([['Request id', s.requestId]] as Item[]) : []),
    ]),
  ]);
  return [
    ...head,
    verifiedSection(s),
    ...[claimedSection(s), credentialsSection(s)].filter((x): x is HTMLElement => x !== undefined),
    chain,
  ];
}

/** The pane itself: opens on a row's click or Enter, closes on its button or Escape. */
export class DetailPane {
  readonly #pane: HTMLElement;
  readonly #body: HTMLElement;
  readonly #load: (seq: number) => Promise<AccessStory>;
  readonly #onError: (error: unknown) => void;
  #asked = 0;

  constructor(parts: {
    pane: HTMLElement;
    body: HTMLElement;
    close: HTMLElement;
    rows: HTMLElement;
    load(seq: number): Promise<AccessStory>;
    onError(error: unknown): void;
  }) {
    this.#pane = parts.pane;
    this.#body = parts.body;
    this.#load = parts.load;
    this.#onError = parts.onError;
    parts.close.addEventListener('click', () => this.close());
    parts.rows.addEventListener('click', (event) => {
      const row = (event.target as Element | null)?.closest<HTMLElement>('.row[data-seq]');
      if (row) void this.open(Number(row.dataset.seq), row);
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.#pane.hidden) this.close();
    });
  }

  async open(seq: number, row?: HTMLElement): Promise<void> {
    const mine = ++this.#asked;
    for (const el of document.querySelectorAll('.row.selected')) el.classList.remove('selected');
    row?.classList.add('selected');
    try {
      const story = await this.#load(seq);
      if (mine !== this.#asked) return;
      this.#body.replaceChildren(...storyView(story));
      this.#pane.hidden = false;
    } catch (error) {
      if (mine === this.#asked) this.#onError(error);
    }
  }

  close(): void {
    this.#asked += 1;
    this.#pane.hidden = true;
    for (const el of document.querySelectorAll('.row.selected')) el.classList.remove('selected');
  }
}
