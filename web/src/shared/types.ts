// The API's records as the server sends them (see /api docs in the README).
export interface Game {
  id: number; pack_name: string; title: string; min_players: number; max_players: number;
  length_minutes: number | null; has_audience: number; family_friendly: number;
  game_type: string | null; secondary_type: string | null; play_count: number;
  popularity_score: number; upvotes: number; downvotes: number; enabled: number;
  favor_bias: number; created_at: string;
}
export interface Session {
  id: number; notes: string | null; is_active: number; created_at: string;
  closed_at: string | null; games_played: number;
}
export type PlayStatus = 'playing' | 'played' | 'skipped';
export interface SessionGame {
  id: number; session_id: number; game_id: number; played_at: string; manually_added: number;
  status: PlayStatus; room_code: string | null; player_count: number | null; title: string;
  pack_name: string; min_players: number; max_players: number; game_type: string | null;
  length_minutes: number | null; popularity_score: number; upvotes: number; downvotes: number;
}
export interface Tally { upvotes: number; downvotes: number; popularity_score: number }
export interface LiveEvent { type: string; timestamp: string; data: any; id?: number }
