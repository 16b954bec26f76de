"""Content events: uploads, remixes, duets and content updates (snapshots and edits)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab
from trendcast.simulator.platform.rendering import Fields, Rendered, csr_take
from trendcast.simulator.world import usernames


class ContentEvents:
    """Emits the events that describe a piece of content."""

    # -- content -------------------------------------------------------------------------------
    def content_fields(self, video: np.ndarray) -> Fields:
        m = self.m
        v, h, s = m.videos, m.hashtags, m.sounds
        tags = pa.array(h.names)
        tag_off, extra = csr_take(v.extra_tags_offsets, v.extra_tags, video)
        lens = np.diff(tag_off) + 1
        all_off = np.concatenate([[0], np.cumsum(lens)])
        codes = np.empty(all_off[-1], dtype=np.int64)
        codes[all_off[:-1]] = v.hashtag[video]
        mask = np.ones(all_off[-1], bool)
        mask[all_off[:-1]] = False
        codes[mask] = extra
        fx_off, fx = csr_take(v.effects_offsets, v.effects, video)
        fx_json = jf.json_array(jf.quoted(jf.num(fx)), fx_off)
        parent = v.parent[video]
        snd = v.sound[video]
        orig = v.sound_original[video]
        cat_title = pa.array(s.title)
        title = pc.if_else(
            pa.array(orig),
            jf.concat("original sound - ", usernames(m.users, v.creator[video])),
            pc.take(cat_title, pa.array(np.where(orig, 0, snd))),
        )
        desc = jf.concat(
            jf.text_of(v.description[video], vocab.DESCRIPTIONS),
            " #",
            pc.take(tags, pa.array(v.hashtag[video])),
        )
        lang = jf.text_of(v.region[video], [r[4] for r in vocab.REGIONS])
        return [
            ("content_id", jf.quoted(pc.take(self.content_id, pa.array(video)))),
            ("creator_id", jf.quoted(pc.take(self.user_id, pa.array(v.creator[video])))),
            ("created_at", jf.quoted(jf.iso_ms(v.upload_ms[video]))),
            ("duration_seconds", jf.num(v.duration_s[video])),
            ("category", jf.quoted(jf.text_of(v.category[video], vocab.CATEGORIES))),
            ("content_type", jf.quoted(jf.text_of(v.content_type[video], vocab.CONTENT_TYPES))),
            (
                "parent_content_id",
                jf.nullable(
                    jf.quoted(pc.take(self.content_id, pa.array(np.maximum(parent, 0)))),
                    parent >= 0,
                ),
            ),
            ("sound_id", jf.quoted(jf.concat("s", jf.num(snd + 1_000_000)))),
            ("sound_title", jf.quoted(jf.escape(title))),
            ("sound_is_original", jf.boolean(orig)),
            ("hashtags", jf.string_list(codes, all_off, tags)),
            ("effect_ids", fx_json),
            ("language", jf.quoted(lang)),
            ("description", jf.quoted(desc)),
        ]

    def _content(self, out: Rendered, rng, hs: int, he: int) -> None:
        v = self.m.videos
        up = np.flatnonzero((v.upload_ms >= hs) & (v.upload_ms < he))
        if len(up):
            fields, rec, seq = self._common(rng, "upload", v.upload_ms[up], v.creator[up])
            fields += self.content_fields(up)
            self._emit(out, rng, fields, rec, v.creator[up], seq)
            for kind, ct in (("remix", 1), ("duet", 2)):
                sel = up[v.content_type[up] == ct]
                if not len(sel):
                    continue
                occ = np.minimum(v.upload_ms[sel] + rng.integers(500, 5_000, len(sel)), self.t1 - 1)
                fields, rec, seq = self._common(rng, kind, occ, v.creator[sel])
                par = v.parent[sel]
                fields += [
                    ("content_id", jf.quoted(pc.take(self.content_id, pa.array(par)))),
                    ("creator_id", jf.quoted(pc.take(self.user_id, pa.array(v.creator[par])))),
                    ("new_content_id", jf.quoted(pc.take(self.content_id, pa.array(sel)))),
                ]
                self._emit(out, rng, fields, rec, v.creator[sel], seq)
        for (rows, times), reason in (
            (self.content_snap, "snapshot"),
            (self.content_edits, "edit"),
        ):
            sel = np.flatnonzero((times >= hs) & (times < he))
            if not len(sel):
                continue
            vid = rows[sel]
            fields, rec, seq = self._common(rng, "content_update", times[sel], v.creator[vid])
            fields += self.content_fields(vid)
            fields.append(("update_reason", f'"{reason}"'))
            self._emit(out, rng, fields, rec, v.creator[vid], seq)
