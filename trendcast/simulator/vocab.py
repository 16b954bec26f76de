"""Word lists the simulated world is made of (no quotes or backslashes: they go into JSON raw)."""

from __future__ import annotations

# code, IANA zone, UTC offset (fixed, no DST), audience weight, language
REGIONS: list[tuple[str, str, float, float, str]] = [
    ("US", "America/New_York", -5.0, 0.20, "en"),
    ("BR", "America/Sao_Paulo", -3.0, 0.10, "pt"),
    ("MX", "America/Mexico_City", -6.0, 0.06, "es"),
    ("GB", "Europe/London", 0.0, 0.06, "en"),
    ("DE", "Europe/Berlin", 1.0, 0.05, "de"),
    ("FR", "Europe/Paris", 1.0, 0.04, "fr"),
    ("TR", "Europe/Istanbul", 3.0, 0.04, "tr"),
    ("IN", "Asia/Kolkata", 5.5, 0.13, "hi"),
    ("ID", "Asia/Jakarta", 7.0, 0.10, "id"),
    ("PH", "Asia/Manila", 8.0, 0.05, "en"),
    ("JP", "Asia/Tokyo", 9.0, 0.08, "ja"),
    ("KR", "Asia/Seoul", 9.0, 0.05, "ko"),
    ("AU", "Australia/Sydney", 10.0, 0.04, "en"),
]

CATEGORIES = [
    "dance", "comedy", "education", "music", "food", "beauty", "sports", "gaming", "pets",
    "diy", "travel", "fashion", "news", "lifestyle",
]  # fmt: skip
CATEGORY_WEIGHTS = [14, 16, 7, 10, 9, 8, 6, 7, 6, 4, 4, 5, 2, 2]
# mean fraction watched by category (education and news hold attention less)
CATEGORY_DURATION = [22, 28, 70, 35, 45, 40, 30, 60, 18, 55, 40, 25, 65, 35]

CONTENT_TYPES = ["original", "remix", "duet", "response"]
DISCOVERY = ["for_you", "following", "search", "hashtag", "sound"]
DISCOVERY_WEIGHTS = [0.62, 0.15, 0.08, 0.08, 0.07]
DEVICES = ["ios", "android", "web"]
DEVICE_WEIGHTS = [0.42, 0.52, 0.06]
SHARE_CHANNELS = ["copy_link", "whatsapp", "instagram", "sms", "messenger", "other"]
SHARE_WEIGHTS = [0.3, 0.25, 0.15, 0.12, 0.1, 0.08]
TIERS = ["none", "casual", "rising", "established", "top"]
USER_TYPES = ["consumer", "creator", "both"]
EVERGREEN = ["fyp", "foryou", "viral", "trending", "funny", "love", "duet", "foryoupage"]

WORDS = [
    "glow", "midnight", "pasta", "sunset", "retro", "cozy", "chaos", "sparkle", "rainy", "lofi",
    "budget", "tiny", "giant", "spicy", "sweet", "crunchy", "silent", "loud", "lazy", "epic",
    "vintage", "neon", "pixel", "cloud", "ocean", "forest", "desert", "city", "garden", "kitchen",
    "dance", "challenge", "prank", "hack", "recipe", "workout", "makeup", "outfit", "routine",
    "storytime", "tutorial", "review", "unboxing", "haul", "vlog", "asmr", "mukbang", "cover",
    "remix", "trend", "cat", "dog", "bunny", "parrot", "frog", "bear", "panda", "fox", "horse",
    "mom", "dad", "sister", "teacher", "nurse", "chef", "gamer", "coder", "artist", "barista",
    "monday", "friday", "weekend", "summer", "winter", "spring", "autumn", "holiday", "exam",
    "coffee", "matcha", "boba", "pizza", "taco", "ramen", "sushi", "croissant", "mango", "lemon",
    "guitar", "piano", "violin", "drum", "karaoke", "kpop", "anime", "football", "basketball",
    "yoga", "skate", "surf", "climb", "run", "bike", "road", "trip", "camp", "beach", "snow",
    "slay", "vibe", "mood", "aesthetic", "core", "era", "check", "pov", "duo", "squad",
]  # fmt: skip
SUFFIXES = ["", "", "", "challenge", "trend", "tok", "time", "2026", "life", "hack", "club"]

SOUND_WORDS = [
    "Summer", "Echo", "Night", "Drive", "Heart", "Gold", "Fever", "Ghost", "Rain", "Fire",
    "Moon", "Dream", "Wave", "Pulse", "Velvet", "Signal", "Paper", "Glass", "Storm", "Honey",
]  # fmt: skip
FIRST = [
    "alex",
    "sam",
    "maria",
    "yuki",
    "lea",
    "omar",
    "ana",
    "lucas",
    "priya",
    "kim",
    "joao",
    "mina",
    "noah",
    "emma",
    "ravi",
    "sofia",
    "ken",
    "ines",
    "tom",
    "aylin",
    "li",
    "marco",
]
BIO = [
    "daily videos", "just vibes", "follow for more", "making stuff", "new video every friday",
    "coffee first", "living my best life", "dm for collabs", "learning in public", "no thoughts",
]  # fmt: skip
DESCRIPTIONS = [
    "wait for it", "part 2", "tried this today", "did not expect that", "which one are you",
    "my new favorite", "day 3 of trying this", "tell me why", "this took forever", "be honest",
    "how it started", "cannot stop", "you asked for it", "so satisfying", "ok but why",
]  # fmt: skip

# comment texts; {link} is replaced by a link in one of the forms below
COMMENT_TEXTS = [
    "this is so good", "no way 😂", "how did you do this", "obsessed", "part 2 please",
    "who else is here in 2026", "the ending 💀", "I need this", "AWEEEEEE 🥰🥰🥰", "first",
    "tutorial please", "underrated", "this song 🔥", "literally me", "sending this to my mom",
]  # fmt: skip
LINK_TEXTS = [
    "get it here {link}", "link: {link}", "full video {link}", "I found it at {link} lol",
    "{link} 50% off today", "my shop → {link}", "check {link}",
]  # fmt: skip
LINK_DOMAINS = [
    "amazon.com", "etsy.com", "shein.com", "linktr.ee", "youtube.com", "instagram.com",
    "gofundme.com", "spotify.com", "temu.com", "depop.com", "ebay.com", "aliexpress.com",
]  # fmt: skip
SHORTENERS = ["bit.ly", "tinyurl.com", "t.co", "shorturl.at", "rb.gy"]
LINK_FORMS = ["plain", "https", "tracking", "shortener", "dot_words", "bracket_dot", "spaced_dot"]

INSTANCES = [
    ("mastodon.social", 0.45),
    ("mstdn.jp", 0.15),
    ("fosstodon.org", 0.12),
    ("chaos.social", 0.1),
    ("mas.to", 0.18),
]
