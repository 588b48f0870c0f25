// The stream overlay (/overlay): for an OBS browser source. Transparent, large type,
// no chrome. ?token=<feed token> for live updates (POST /api/auth/feed-token),
// ?session=<id> to follow one session instead of the active one.
import { render } from 'preact';
import './overlay.css';
import { LiveFeed } from '../shared/live';
import { VoteCounts } from '../shared/icons';
import { currentGame, SessionWatch } from '../shared/session-watch';

const params = new URLSearchParams(location.search);
const token = params.get('token');
const sessionParam = Number(params.get('session'));
const feed = token ? new LiveFeed(async () => token) : null;
const watch = new SessionWatch(feed, sessionParam > 0 ? sessionParam : undefined);
feed?.start();
watch.start();

function Overlay() {
  const game = currentGame(watch.games.value);
  const following = sessionParam > 0 ? watch.session.value : watch.session.value?.is_active ? watch.session.value : null;
  const session = following;
  const added = watch.lastAdded.value;
  const status = feed?.status.value;
  return (
    <div class="overlay-box">
      {status && status !== 'live' && <div class="state" role="status" data-testid="live-status">{status === 'off' ? 'live feed refused' : `${status === 'reconnecting' ? 'reconnecting' : 'connecting'}…`}</div>}
      {!session || !game ? (
        <div class="idle">{session ? 'Picking the next game…' : 'No game night running'}</div>
      ) : (
        <div class={`card-o ${added && Date.now() - added.at < 3000 ? 'enter' : ''}`} key={game.id} data-testid="overlay-game">
          <div class="label">Now playing</div>
          <div class="game">{game.title}</div>
          <div class="pack">{game.pack_name}</div>
          <div class="facts">
            {game.room_code && <span class="code" data-testid="overlay-room">{game.room_code}</span>}
            {game.player_count !== null && <span data-testid="overlay-players">{game.player_count} players</span>}
            <VoteCounts up={game.upvotes} down={game.downvotes} testId="overlay-tally" />
          </div>
        </div>
      )}
    </div>
  );
}

render(<Overlay />, document.getElementById('root')!);
