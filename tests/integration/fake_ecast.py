"""A fake Jackbox room service ("ecast") on a loopback port, for the room monitor's
tests: the REST look-up (GET /api/v2/rooms/{CODE}) and the WebSocket (subprotocol
ecast-v0, role=shard) on one port, playing scripted rooms of ../shared/spec/ECAST.md §6.
The test drives each room (players join, the game starts and ends, the room closes,
connections drop) from its own thread. How it differs from the real service: docs/ROOMS.md.

Uses Python's `websockets` (Debian python3-websockets, 10.x legacy server API)."""
import asyncio
import http
import json
import secrets
import threading
import urllib.parse

import websockets
import websockets.server


class FakeRoom:
    """One room. Mutate it only through FakeEcast.run(...) (its event loop)."""

    def __init__(self, code, app_tag="quiplash3", max_players=8, min_players=3, join_events=True):
        self.code = code
        self.app_tag = app_tag
        self.max_players = max_players
        self.min_players = min_players
        self.join_events = join_events  # deliver client/connected to shards (unknown for the real one)
        self.lookup = "ok"              # "ok", "404", "500", "hang"
        self.refuse = None              # error code sent instead of a welcome (e.g. 2014, 2027)
        self.players = {}               # id -> name
        self.shards = {}                # id -> secret
        self.next_id = 2
        self.val = {"state": "Lobby", "lobbyState": "WaitingForMore", "gameCanStart": False,
                    "gameIsStarting": False, "gameFinished": False, "textDescriptions": []}
        self.version = 0
        self.closed = False
        self.sockets = set()            # open WebSocket connections (watch and probes)

    def here(self):
        out = {"1": {"id": 1, "roles": {"host": {}}}}
        for cid in self.shards:
            out[str(cid)] = {"id": cid, "roles": {"shard": {}}}
        for pid, name in self.players.items():
            out[str(pid)] = {"id": pid, "roles": {"player": {"name": name}}}
        return out

    def entity(self):
        return {"key": "room", "val": dict(self.val), "version": self.version, "from": 1}


class FakeEcast:
    def __init__(self, tls=None):
        """tls: an ssl.SSLContext to serve https/wss instead of http/ws."""
        self.tls = tls
        self.rooms = {}
        self.connections = []  # (path, query dict, request headers, lower-case names) of each WebSocket connect
        self.welcomed = []     # (userId, client id, reconnect) of each welcome sent
        self.lookups = []      # codes looked up
        self.pc = 10
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)

    # --- control, from the test's thread ------------------------------------------
    def run(self, fn, *args):
        """Runs fn(*args) on the server's loop (a coroutine function or a plain one); returns its result."""
        async def call():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    def add_room(self, code, **kw):
        room = FakeRoom(code, **kw)
        self.run(self.rooms.__setitem__, code, room)
        return room

    def join(self, room, name):
        return self.run(self._join, room, name)

    def set_room(self, room, **val):
        """Replaces the room entity's value (as object/set does) and broadcasts it."""
        self.run(self._set_room, room, val)

    def update_room(self, room, **val):
        """Changes some fields and broadcasts the whole value."""
        self.run(self._set_room, room, dict(room.val, **val))

    def broadcast(self, room, frame):
        """Sends a frame (dict or raw text) to every open connection of the room."""
        self.run(self._broadcast, room, frame)

    def exit_room(self, room, cause=5):
        self.run(self._exit, room, cause)

    def drop(self, room):
        """Drops every connection of the room without a close frame (like a network failure)."""
        self.run(self._drop, room)

    def open_sockets(self, room):
        return self.run(lambda: len(room.sockets))

    def stop(self):
        """Closes the port; connections and a hanging look-up die with the loop."""
        self.run(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    # --- the server ------------------------------------------------------------------
    def _run(self, started):
        asyncio.set_event_loop(self.loop)

        async def start():
            self.server = await websockets.server.serve(
                self._handle, "127.0.0.1", 0, subprotocols=["ecast-v0"],
                process_request=self._process_request, ping_interval=None, ssl=self.tls)
            self.port = self.server.sockets[0].getsockname()[1]

        self.loop.run_until_complete(start())
        started.set()
        self.loop.run_forever()

    def _next_pc(self):
        self.pc += 1
        return self.pc

    async def _process_request(self, path, headers):
        parsed = urllib.parse.urlsplit(path)
        parts = parsed.path.strip("/").split("/")
        # GET /api/v2/rooms/{CODE}
        if len(parts) == 4 and parts[:3] == ["api", "v2", "rooms"] and "upgrade" not in headers.get("Connection", "").lower():
            code = parts[3]
            self.lookups.append(code)
            room = self.rooms.get(code)
            if room is None or room.closed or room.lookup == "404":
                return self._json(404, {"ok": False, "error": "no such room"})
            if room.lookup == "hang":
                await asyncio.sleep(30)
            if room.lookup == "500":
                return self._json(500, {"ok": False, "error": "ecast server error"})
            host = "127.0.0.1:%d" % self.port
            return self._json(200, {"ok": True, "body": {
                "appId": "00000000-0000-0000-0000-000000000001", "appTag": room.app_tag, "audienceEnabled": True,
                "code": code, "host": host, "audienceHost": host, "locked": room.val.get("state") != "Lobby",
                "full": len(room.players) >= room.max_players, "maxPlayers": room.max_players,
                "minPlayers": room.min_players, "moderationEnabled": False, "passwordRequired": False,
                "twitchLocked": False, "locale": "en", "keepalive": False, "controllerBranch": ""}})
        # The WebSocket: /api/v2/rooms/{CODE}/play with the ecast-v0 subprotocol.
        if len(parts) != 5 or parts[4] != "play" or parts[:3] != ["api", "v2", "rooms"]:
            return self._json(404, {"ok": False, "error": "not found"})
        offered = [p.strip() for p in headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if "ecast-v0" not in offered:
            return self._json(400, {"ok": False, "error": "subprotocol ecast-v0 required"})
        return None

    @staticmethod
    def _json(status, body):
        data = json.dumps(body).encode()
        return (http.HTTPStatus(status), [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data)

    async def _handle(self, ws, path):
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        self.connections.append((parsed.path, query, {k.lower(): v for k, v in ws.request_headers.raw_items()}))
        code = parsed.path.strip("/").split("/")[3]
        room = self.rooms.get(code)
        if room is None or room.closed:
            await ws.send(json.dumps({"pc": 0, "opcode": "error", "result": {"code": 2027, "msg": "room has already ended"}}))
            await ws.close(1000)
            return
        if query.get("role") != "shard":
            await ws.send(json.dumps({"pc": 0, "opcode": "error", "result": {"code": 2014, "msg": "no such role"}}))
            await ws.close(1000)
            return
        if room.refuse:
            await ws.send(json.dumps({"pc": 0, "opcode": "error", "result": {"code": room.refuse, "msg": "refused"}}))
            await ws.close(1000)
            return
        cid = int(query["id"]) if query.get("id", "").isdigit() else None
        reconnect = cid is not None and room.shards.get(cid) == query.get("secret")
        if not reconnect:
            cid = room.next_id
            room.next_id += 1
            room.shards[cid] = secrets.token_hex(12)
        welcome = {"pc": self._next_pc(), "opcode": "client/welcome", "result": {
            "id": cid, "name": "GamePicker", "secret": room.shards[cid], "reconnect": reconnect,
            "deviceId": "0000000000.0000000000000000000000",
            "entities": {"room": ["object", room.entity(), {"locked": False}],
                         "audience": ["audience/pn-counter", {"key": "audience", "count": 0}, {"locked": False}]},
            "here": room.here(), "profile": {"id": cid, "roles": {"shard": {}}}}}
        self.welcomed.append((query.get("userId"), cid, reconnect))
        await ws.send(json.dumps(welcome))
        room.sockets.add(ws)
        try:
            async for message in ws:
                try:
                    request = json.loads(message)
                except ValueError:
                    continue
                if request.get("opcode") == "object/get" and request.get("params", {}).get("key") == "room":
                    await ws.send(json.dumps({"pc": 0, "re": request.get("seq"), "opcode": "object",
                                              "result": room.entity()}))
                else:
                    await ws.send(json.dumps({"pc": 0, "re": request.get("seq"), "opcode": "error",
                                              "result": {"code": 2023, "msg": "permission denied"}}))
        except websockets.ConnectionClosed:
            pass
        finally:
            room.sockets.discard(ws)

    async def _broadcast(self, room, frame):
        text = frame if isinstance(frame, str) else json.dumps(frame)
        for ws in list(room.sockets):
            try:
                await ws.send(text)
            except websockets.ConnectionClosed:
                pass

    async def _join(self, room, name):
        pid = room.next_id
        room.next_id += 1
        room.players[pid] = name
        if room.join_events:
            await self._broadcast(room, {"pc": self._next_pc(), "opcode": "client/connected", "result": {
                "id": pid, "userId": "u-" + name.lower(), "name": name, "role": "player", "reconnect": False,
                "profile": {"id": pid, "roles": {"player": {"name": name}}}}})
        lobby = "CanStart" if len(room.players) >= room.min_players else "WaitingForMore"
        await self._set_room(room, dict(room.val, lobbyState=lobby, gameCanStart=lobby == "CanStart"))
        return pid

    async def _set_room(self, room, val):
        room.val = val
        room.version += 1
        await self._broadcast(room, {"pc": self._next_pc(), "opcode": "object", "result": room.entity()})

    async def _exit(self, room, cause):
        await self._broadcast(room, {"pc": self._next_pc(), "opcode": "room/exit", "result": {"cause": cause}})
        room.closed = True
        for ws in list(room.sockets):
            await ws.close(1000)

    async def _drop(self, room):
        for ws in list(room.sockets):
            ws.transport.abort()


# The scripted game of ECAST.md §6, as room values.
COUNTDOWN = dict(state="Lobby", lobbyState="Countdown", gameCanStart=True, gameIsStarting=True, gameFinished=False,
                 textDescriptions=[])
LOGO = dict(audience={"state": "Logo"}, state="Logo", textDescriptions=[])
CHOICE = dict(state="MakeSingleChoice", textDescriptions=[])
POST_GAME = dict(artifact={"artifactId": "2f7cedf0c6b357a7faa88d87df92fb81", "categoryId": "quiplash3Game",
                           "rootId": "jbg-blobcast-artifacts"}, audience={"state": "Logo"}, gameCanStart=True,
                 gameFinished=True, gameIsStarting=False, lobbyState="PostGame", state="Lobby", textDescriptions=[])

