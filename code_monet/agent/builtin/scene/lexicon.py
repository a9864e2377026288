"""Reading a prompt or a nudge: which words name subjects, colours, light, weather and mood.

The offline artist has no language model, so this is a plain table of a few hundred surface
forms (plurals and synonyms included) mapped to the canonical subject names of
``subjects.LIBRARY`` and to the scene's other dimensions. ``read_words`` walks the text once,
matching multiword phrases first ("city skyline", "bird's-eye", "top left"), so a colour just
before a subject qualifies that subject ("a red boat") and a number just before it counts it.
Words it cannot place are reported, so the notebook can say plainly what it could not draw.
``VARIANT_HINTS`` is the one table of words that pick one of a subject's drawings: a hint next
to its subject ("a crescent moon", "a cat curled up", "a bowl of fruit") sets ``Wanted.variant``;
without one the composer keeps its seeded choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple


class Kind(StrEnum):
    """What a word tells the composer."""

    SUBJECT = "subject"
    COLOUR = "colour"
    TIME = "time"
    WEATHER = "weather"
    MOOD = "mood"
    COMPOSITION = "composition"
    QUANTITY = "quantity"
    PLACE = "place"
    STYLE = "style"
    INTENT = "intent"
    TINT = "tint"  # "dark", "pale": changes the colour that follows
    FILLER = "filler"  # understood but changes nothing ("sleeping", "beautiful")


class Entry(NamedTuple):
    kind: Kind
    value: str


# --- subjects: canonical name → the surface forms that name it (plurals are generated) ---

_SUBJECT_TEXT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "cat": "cat, kitty, kitten, tomcat, tabby, moggy, feline, house cat",
        "dog": (
            "dog, puppy, pup, hound, doggy, doggie, pooch, mutt, terrier, labrador, poodle, "
            "spaniel, retriever, collie, canine, sheepdog"
        ),
        "bird": (
            "bird, sparrow, gull, seagull, robin, crow, raven, swallow, pigeon, dove, finch, "
            "blackbird, starling, songbird, eagle, hawk, heron, seabird, parrot, magpie, wren, "
            "falcon, kingfisher, bluebird"
        ),
        "fish": "fish, goldfish, salmon, trout, carp, koi, tuna, minnow",
        "horse": "horse, pony, stallion, mare, foal, colt, steed, mustang",
        "owl": "owl, owlet",
        "whale": "whale, orca, humpback, dolphin",
        "rabbit": "rabbit, bunny, hare",
        "fox": "fox, vixen",
        "butterfly": "butterfly, moth",
        "duck": "duck, duckling, swan, goose, mallard",
        "portrait": "portrait, face, selfie, self portrait, headshot, profile",
        "figure": (
            "figure, person, man, woman, girl, boy, child, kid, lady, gentleman, dancer, walker, "
            "stranger, traveller, traveler, wanderer, silhouette, fisherman, sailor, human, "
            "astronaut"
        ),
        "hands": "hands, hand, fingers, fist, praying hands, pointing finger",
        "tree": (
            "tree, oak, elm, maple, birch, willow, beech, sapling, orchard, apple tree, cherry "
            "tree, oak tree, bare tree, branch, branches, poplar, cypress, winter tree"
        ),
        "pine": "pine, pine tree, fir, spruce, evergreen, conifer, christmas tree",
        "palm": "palm, palm tree, coconut, coconut tree",
        "forest": (
            "forest, woods, woodland, jungle, grove, thicket, rainforest, pine forest, pine woods, "
            "conifer forest"
        ),
        "flower": (
            "flower, blossom, bloom, rose, tulip, daisy, sunflower, lily, poppy, orchid, lotus, "
            "bouquet, petal, garden, dandelion, peony, wildflower, cherry blossom"
        ),
        "mountain": "mountain, peak, alps, summit, volcano, mountain range, mesa, butte",
        "sea": (
            "sea, ocean, waves, wave, surf, seascape, tide, bay, harbour, harbor, beach, shore, "
            "coast, seaside, lake, pond, lagoon, water, big waves, huge waves, giant waves"
        ),
        "river": "river, stream, creek, brook, canal, waterfall",
        "cloud": "cloud, cloudy, cumulus, cloudscape, raincloud, thundercloud, stormcloud",
        "moon": "moon, moonlit, moonlight, full moon, crescent, moonrise, half moon, quarter moon",
        "sun": "sun, sunshine, sunlight, sunburst, sunny",
        "stars": (
            "stars, star, starry, starlight, constellation, galaxy, milky way, starry night, "
            "night sky, comet, meteor"
        ),
        "hill": "hill, hillside, dune, valley, countryside, slope",
        "rock": "rock, stone, boulder, cliff, reef, pebble, crag",
        "grass": "grass, meadow, field, lawn, prairie, pasture, reeds",
        "mushroom": "mushroom, toadstool, fungus, fungi",
        "cactus": "cactus, cacti, succulent, saguaro, desert, prickly pear, barrel cactus",
        "lighthouse": "lighthouse, beacon, light house",
        "house": (
            "house, home, cottage, cabin, hut, barn, farmhouse, villa, shack, bungalow, chalet, "
            "building, village, hamlet"
        ),
        "skyline": (
            "skyline, city, cityscape, skyscraper, downtown, metropolis, buildings, town, city "
            "skyline, new york, rooftops, high rise"
        ),
        "bridge": (
            "bridge, viaduct, footbridge, aqueduct, suspension bridge, stone bridge, "
            "arched bridge, railway bridge, railroad bridge, golden gate"
        ),
        "boat": (
            "boat, ship, vessel, rowboat, canoe, kayak, ferry, tugboat, steamer, barge, fishing "
            "boat, gondola, freighter, trawler, rowing boat, steamboat, steamship, paddle steamer, "
            "ocean liner, liner"
        ),
        "sailboat": (
            "sailboat, yacht, sail, schooner, dinghy, sailing boat, galleon, sailing ship, "
            "clipper, tall ship, sloop, pirate ship"
        ),
        "castle": "castle, palace, fortress, fort, citadel, stronghold",
        "windmill": "windmill, mill, wind turbine",
        "tower": (
            "tower, spire, minaret, turret, eiffel tower, clocktower, clock tower, eiffel, "
            "watchtower, watch tower, big ben, lookout tower"
        ),
        "street": (
            "street, road, avenue, alley, alleyway, lane, boulevard, sidewalk, pavement, path, "
            "crosswalk, zebra crossing"
        ),
        "train": (
            "train, locomotive, railway, railroad, tram, steam train, steam locomotive, steam "
            "engine, bullet train, high speed train, diesel"
        ),
        "church": "church, chapel, cathedral, temple, mosque, abbey, belfry",
        "car": "car, automobile, taxi, truck, van, jeep, bus, sedan, hatchback",
        "lamppost": "lamppost, lamp post, streetlight, street light, street lamp, streetlamp",
        "fence": "fence, gate, railing, picket fence, hedge",
        "window": "window, windowsill, sill, window sill, pane, windowpane, casement",
        "cup": "cup, mug, teacup, coffee, tea, espresso, coffee cup",
        "vase": "vase, urn, jug, pitcher, flowerpot, pot",
        "chair": "chair, armchair, stool, seat, bench, rocking chair, rocker",
        "bicycle": "bicycle, bike, tricycle, push bike",
        "book": "book, novel, notebook, diary, library, bookshelf",
        "teapot": "teapot, kettle, tea pot",
        "guitar": "guitar, ukulele, violin, cello, lute, electric guitar",
        "table": "table, desk, kitchen table, tabletop",
        "bottle": "bottle, wine, flask, jar, wine bottle, beer, beer bottle",
        "lamp": "lamp, lantern, desk lamp, lampshade, anglepoise, oil lamp",
        "clock": "clock, timepiece, grandfather clock, alarm clock",
        "umbrella": "umbrella, parasol, brolly",
        "kite": "kite",
        "apple": "apple, fruit, pear, cherry, cherries",
        "candle": "candle, candlelight, candlestick, taper",
        "hat": "hat, bonnet, fedora, top hat, bowler hat, sombrero, sun hat, sunhat, straw hat",
        "bowl": "bowl, dish, basin, fruit bowl, soup",
    }
)


def _forms(text: str) -> tuple[str, ...]:
    return tuple(form.strip() for form in text.split(","))


SUBJECT_WORDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {name: _forms(text) for name, text in _SUBJECT_TEXT.items()}
)
"""Every canonical name here is one of ``subjects.LIBRARY``'s keys (a test checks it)."""

# --- variant hints: which of a subject's drawings the words ask for ---

VARIANT_HINTS: Final[Mapping[str, Mapping[int, str]]] = MappingProxyType(
    {
        # animals (subjects/animals.py)
        "cat": {
            0: "sitting, seated",
            1: "sleeping, asleep, curled, curled up, napping, dozing, snoozing",
            2: "walking, prowling, stalking, strolling",
        },
        "dog": {
            0: "standing",
            1: "sitting, seated",
            2: "lying, lying down, sleeping, asleep, napping, resting, dozing",
        },
        "bird": {0: "flying, in flight", 1: "soaring, gliding", 2: "flapping, taking off"},
        "horse": {
            0: "standing, grazing",
            1: "trotting",
            2: "galloping, running, racing, charging",
        },
        "owl": {
            0: "perched, on a branch, on the branch, on branch",
            1: "flying, in flight, swooping",
            2: "stump, on a stump, on the stump, on a log, log",
        },
        "whale": {0: "swimming", 1: "jumping, leaping, breaching", 2: "diving"},
        "rabbit": {0: "sitting", 1: "facing, front", 2: "hopping, jumping, leaping, running"},
        "fox": {0: "standing, hunting", 1: "sitting", 2: "sleeping, asleep, curled, curled up"},
        "butterfly": {
            0: "open wings, wings open, spread",
            1: "resting, folded, wings folded, closed",
            2: "flying, fluttering, in flight",
        },
        "duck": {
            0: "floating, swimming, paddling",
            1: "with ducklings, with her ducklings, and ducklings, mother",
            2: "flying, in flight, taking off",
        },
        # people (subjects/people.py)
        "portrait": {
            0: "front, frontal, front view, full face, facing",
            1: "three quarter, three quarters",
            2: "profile, in profile, side view, side on",
        },
        "figure": {
            0: "standing",
            1: "walking, strolling, walker, wanderer, hiker, hiking",
            2: "waving, greeting",
        },
        "hands": {
            0: "open hand, open palm",
            1: "pointing, pointing finger",
            3: "praying, praying hands, prayer, in prayer",
        },
        # nature (subjects/nature.py)
        "tree": {
            0: "oak, oak tree, leafy, summer",
            1: "bare, bare tree, winter, winter tree, in winter, leafless, wintry, dead",
            2: "poplar, cypress, slender",
        },
        "pine": {
            1: "spruce, fir, slender",
            2: "snowy, snow covered, snow capped, frosted, frosty, in the snow, in snow, wintry",
        },
        "palm": {1: "leaning, bent, curving"},
        "forest": {
            0: "pine forest, pine woods, conifer forest, pine, conifer, evergreen",
            1: "jungle, rainforest, leafy, deciduous, autumn, broadleaf",
            2: "mixed",
        },
        "flower": {0: "daisy, oxeye", 1: "tulip", 2: "sunflower"},
        "mountain": {
            0: "snowy, snowy peak, snow capped, snowcapped, lone, peak, matterhorn",
            1: "range, mountain range, alps, rockies, himalayas",
            2: "mesa, butte, flat topped, desert",
        },
        "sea": {
            0: "calm, still, placid, glassy, tranquil, serene, peaceful, lake, pond, lagoon",
            1: "choppy, rough, breezy, windy",
            2: "stormy, storm, big waves, huge waves, giant waves, crashing, raging, wild",
        },
        "river": {
            0: "winding, meandering, snaking",
            1: "bending, bend, curving",
            2: "stony, rocky, pebbly, shallow, babbling",
        },
        "cloud": {
            0: "cumulus, fluffy, puffy",
            1: "long, wispy, streaky",
            2: "rain, rainy, storm, stormy, thunder, dark, heavy, raincloud, thundercloud, "
            "stormcloud",
        },
        "moon": {
            0: "full, full moon",
            1: "crescent, crescent moon, sickle, thin",
            2: "half, half moon, quarter, quarter moon",
        },
        "sun": {0: "radiant, beaming", 1: "wavy", 2: "sunburst, blazing"},
        "stars": {
            0: "five pointed, five point",
            1: "twinkling, sparkling, glittering",
            2: "shooting, shooting star, falling star, comet, meteor",
        },
        "hill": {0: "round, rounded", 1: "rolling", 2: "farmland, ploughed, plowed, patchwork"},
        "rock": {
            0: "boulder, round",
            1: "jagged, angular, sharp, craggy, crag",
            2: "pile, heap, cairn, pebble",
        },
        "grass": {
            0: "tufts, tuft, tufted",
            1: "meadow, long",
            2: "flowery, flowering, wildflower, wild flower",
        },
        "mushroom": {
            0: "fly agaric, toadstool, spotted",
            1: "cluster, clump, fairy ring",
            2: "cone, conical, morel, pointed",
        },
        "cactus": {
            0: "saguaro, tall",
            1: "barrel, barrel cactus, round",
            2: "prickly pear, opuntia, paddle",
        },
        # built (subjects/built.py)
        "lighthouse": {0: "striped", 1: "on rocks, on the rocks, rocky"},
        "house": {
            0: "cottage, thatched, cabin, hut",
            1: "two storey, two story, townhouse",
            2: "barn",
        },
        "skyline": {2: "tv tower, television tower, space needle"},
        "bridge": {
            0: "suspension, suspension bridge, golden gate",
            1: "stone, stone bridge, arched, arched bridge, arches, with arches, arch, roman, "
            "aqueduct, viaduct",
            2: "truss, iron, steel, girder, railway bridge, railroad bridge",
        },
        "boat": {
            0: "rowing, rowing boat, rowboat, row boat",
            1: "fishing, fishing boat, trawler",
            2: "steam, steamer, steamboat, steamship, paddle steamer, liner, ocean liner, ferry",
        },
        "sailboat": {
            0: "yacht, sloop",
            1: "dinghy",
            2: "tall ship, galleon, clipper, pirate ship, sailing ship, three masted",
        },
        "castle": {
            0: "fortress, fort, citadel, stronghold, walled",
            1: "fairy tale, fairytale, fairy, disney, princess, enchanted, storybook",
            2: "on a hill, on the hill, hilltop",
        },
        "tower": {
            0: "clock, clock tower, clocktower, big ben",
            1: "eiffel, eiffel tower, lattice, iron, steel",
            2: "watchtower, watch tower, lookout, lookout tower, stone, round",
        },
        "street": {
            0: "avenue, boulevard, tree lined",
            1: "alley, alleyway, narrow, washing",
            2: "crossing, zebra crossing, crosswalk, traffic light",
        },
        "train": {
            0: "steam, steam train, steam locomotive, steam engine, old fashioned",
            1: "high speed, high speed train, bullet, bullet train, express, modern",
            2: "diesel",
        },
        "church": {0: "spire, steeple", 1: "chapel", 2: "cathedral, gothic"},
        "car": {0: "sedan", 1: "beetle", 2: "estate, station wagon, hatchback, roof rack"},
        "fence": {
            0: "picket, picket fence",
            1: "post and rail, rail, split rail",
            2: "iron, railing, wrought iron",
        },
        "window": {0: "casement", 1: "arched, curtained, curtains", 2: "shutters, shuttered, sash"},
        # objects (subjects/objects.py)
        "cup": {
            0: "mug",
            1: "teacup, tea cup, tea, of tea, cup and saucer, saucer, china",
            2: "coffee, of coffee, coffee cup, steaming, hot, espresso, cocoa",
        },
        "vase": {
            0: "amphora, urn, empty, greek",
            1: "slim, bud vase, tulip, with a tulip",
            2: "of flowers, with flowers, flowers, bouquet, of roses, roses, flower vase",
        },
        "chair": {2: "rocking, rocking chair, rocker"},
        "book": {
            0: "closed, standing, upright",
            1: "open, open book, opened, reading",
            2: "stack, stack of, pile, pile of, stacked, heap",
        },
        "guitar": {0: "acoustic", 1: "leaning", 2: "electric, electric guitar"},
        "table": {1: "round, pedestal", 2: "drawer, with a drawer"},
        "bottle": {
            0: "wine, wine bottle, of wine",
            1: "beer, beer bottle, of beer, lager",
            2: "of water, water bottle, plastic",
        },
        "lamp": {
            0: "table lamp, lampshade, shade",
            1: "desk, desk lamp, anglepoise, reading",
            2: "lantern, oil lamp, oil, hurricane",
        },
        "clock": {0: "alarm, alarm clock", 1: "mantel, mantelpiece, carriage", 2: "bedside"},
        "umbrella": {0: "open", 1: "tilted", 2: "closed, folded, furled, leaning"},
        "hat": {
            0: "top, top hat, stovepipe",
            1: "fedora, trilby, felt",
            2: "sun, sun hat, sunhat, straw, straw hat, wide brimmed",
        },
        "bowl": {
            0: "empty",
            1: "fruit, fruit bowl, of fruit, with fruit, of apples, with apples, of pears, "
            "of cherries",
            2: "soup, of soup, steaming, hot",
        },
        "candle": {0: "pillar, dripping", 1: "chamberstick", 2: "candlestick, taper"},
        "apple": {1: "bitten, half eaten"},
        "bicycle": {1: "step through", 2: "basket, with a basket"},
    }
)
"""Subject → variant number → the words that ask for that drawing (variant numbers as each
subject module lists its drawings; a test checks every name and number against ``LIBRARY``).
A hint counts when it stands next to the subject it qualifies ("a crescent moon", "a cat
curled up", "a bowl of fruit") or is itself the subject's word ("barn", "teacup")."""

PHRASE_FILLERS: Final[frozenset[str]] = frozenset(
    {"three quarter", "three quarters", "two storey", "two story", "five pointed", "five point"}
)
"""Phrases that start with a number but count nothing ("a three-quarter portrait")."""

_IRREGULAR_PLURALS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "goose": "geese",
        "man": "men",
        "woman": "women",
        "child": "children",
        "person": "people",
        "mouse": "mice",
        "wolf": "wolves",
        "leaf": "leaves",
        "fish": "fishes",
        "shelf": "shelves",
        "cactus": "cacti",
        "knife": "knives",
    }
)


# --- colours: name → hex (#e94560 is the old stock accent and never appears) ---

COLOURS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "red": "#d62828",
        "crimson": "#b3122e",
        "scarlet": "#e0301e",
        "vermilion": "#e34234",
        "maroon": "#7a1f2b",
        "burgundy": "#800020",
        "ruby": "#9b111e",
        "cardinal": "#c41e3a",
        "pink": "#f4a3c0",
        "magenta": "#c2185b",
        "fuchsia": "#d63384",
        "coral": "#f08a6c",
        "peach": "#f6b38a",
        "blush": "#f3c4c4",
        "rosy": "#e8909c",
        "orange": "#f07f1a",
        "amber": "#f0a202",
        "tangerine": "#f28c28",
        "rust": "#b7472a",
        "copper": "#b87333",
        "bronze": "#9c6b30",
        "ochre": "#c98c26",
        "terracotta": "#c8643b",
        "yellow": "#f2c614",
        "lemon": "#f4e04d",
        "mustard": "#d4a017",
        "gold": "#d4a72c",
        "golden": "#e0b040",
        "saffron": "#f4c430",
        "honey": "#e8b04a",
        "green": "#3a9d5d",
        "emerald": "#1f8a5b",
        "jade": "#2e9c7a",
        "olive": "#7a8b3a",
        "lime": "#9acd32",
        "sage": "#8fae8b",
        "mint": "#98d8b5",
        "moss": "#6b7d3a",
        "forest green": "#2d5a3d",
        "sea green": "#2e8b57",
        "khaki": "#b5a46a",
        "teal": "#1b8a8a",
        "turquoise": "#30b8b0",
        "cyan": "#2bb5d8",
        "aqua": "#5fd3d0",
        "blue": "#2f6fd0",
        "navy": "#1b2a5c",
        "navy blue": "#1b2a5c",
        "cobalt": "#1f4fbf",
        "azure": "#3a8ee6",
        "sapphire": "#1d4e9e",
        "indigo": "#3b3a8f",
        "ultramarine": "#2a3fb0",
        "cerulean": "#2a7ab8",
        "sky blue": "#7fb8e6",
        "royal blue": "#2549b8",
        "purple": "#7b3fa0",
        "violet": "#8a5cc7",
        "lavender": "#b79ee0",
        "lilac": "#c8a2d8",
        "plum": "#6e3b6e",
        "mauve": "#b784a7",
        "amethyst": "#9966cc",
        "white": "#f7f5ef",
        "ivory": "#f4efdc",
        "cream": "#f3e7c9",
        "pearl": "#ece8df",
        "black": "#151515",
        "ebony": "#1c1a19",
        "charcoal": "#36393f",
        "jet": "#0f0f12",
        "grey": "#8a8d91",
        "gray": "#8a8d91",
        "slate": "#5a6b7a",
        "ash grey": "#b2beb5",
        "silver": "#c0c4c8",
        "pewter": "#8e9196",
        "brown": "#7b5034",
        "tan": "#c9a27a",
        "beige": "#dcc9a6",
        "chocolate": "#5c3a21",
        "sepia": "#704214",
        "umber": "#635147",
        "sienna": "#a0522d",
        "chestnut": "#954535",
    }
)


def _by_meaning(groups: Mapping[str, str]) -> Mapping[str, str]:
    """{meaning: "form, form, …"} → {form: meaning}: tables read by meaning, looked up by form."""
    return MappingProxyType(
        {form: meaning for meaning, text in groups.items() for form in _forms(text)}
    )


def _by_number(groups: Mapping[int, str]) -> Mapping[str, int]:
    return MappingProxyType({form: n for n, text in groups.items() for form in _forms(text)})


_COLOUR_FORMS: Final[Mapping[str, str]] = _by_meaning(
    {
        "red": "reds, reddish",
        "blue": "blues, bluish, blueish",
        "green": "greens, greenish",
        "yellow": "yellows, yellowish",
        "pink": "pinks, pinkish",
        "purple": "purples, purplish",
        "orange": "oranges, orangey",
        "grey": "greys, greyish",
        "gray": "grays, grayish",
        "brown": "browns, brownish",
        "gold": "golds",
        "violet": "violets",
        "white": "whites",
        "black": "blacks",
        "silver": "silvery",
        "copper": "coppery",
    }
)

_TINTS: Final[Mapping[str, str]] = _by_meaning(
    {
        "dark": "dark, deep, darker, rich",
        "light": "light, pale, lighter, pastel, soft",
        "bright": "bright, vivid, brighter",
    }
)

# --- light, weather, mood, composition, quantity, place, style, intent ---

TIMES: Final[Mapping[str, str]] = _by_meaning(
    {
        "dawn": "dawn, daybreak, sunrise, first light, morning, early morning, aurora",
        "day": "day, daytime, daylight, noon, midday, afternoon, sunny day, high noon",
        "dusk": "dusk, sunset, sundown, twilight, evening, gloaming, nightfall, golden hour",
        "night": (
            "night, nighttime, midnight, nocturne, nocturnal, moonlit, moonlight, starry, starry "
            "night, night sky, tonight"
        ),
    }
)

WEATHER: Final[Mapping[str, str]] = _by_meaning(
    {
        "fog": "fog, foggy, mist, misty, haze, hazy, smog, murky",
        "rain": (
            "rain, rainy, raining, rainfall, drizzle, shower, showers, downpour, wet, raindrops"
        ),
        "storm": "storm, stormy, thunder, thunderstorm, lightning, tempest, hurricane",
        "snow": (
            "snow, snowy, snowing, snowfall, snowflakes, winter, wintry, frost, frosty, icy, "
            "blizzard, snowstorm"
        ),
        "wind": "wind, windy, breeze, breezy, gust, gusty, gale, blustery, windswept",
    }
)

MOODS: Final[Mapping[str, str]] = _by_meaning(
    {
        "calm": "calm, serene, peaceful, tranquil, quiet, gentle, still, restful, placid, relaxing",
        "happy": "happy, joyful, cheerful, joyous, merry, jolly, festive, glad",
        "sad": (
            "sad, melancholy, melancholic, gloomy, somber, sombre, mournful, sorrowful, bleak, "
            "forlorn, grey day"
        ),
        "lonely": "lonely, alone, solitary, lone, isolated, desolate",
        "dramatic": (
            "dramatic, epic, intense, powerful, bold, fierce, wild, turbulent, majestic, grand"
        ),
        "mysterious": (
            "mysterious, eerie, spooky, haunting, haunted, mystical, enigmatic, ghostly, strange"
        ),
        "playful": "playful, whimsical, cute, silly, funny, fun",
        "dreamy": "dreamy, dreamlike, ethereal, surreal, romantic, nostalgic, wistful, magical",
        "cozy": "cozy, cosy, warm, homely, snug",
        "lively": "lively, energetic, vibrant, colourful, colorful",
    }
)

COMPOSITIONS: Final[Mapping[str, str]] = _by_meaning(
    {
        "close-up": (
            "close up, closeup, portrait, zoomed in, macro, portrait of, face of, study of, "
            "detail of"
        ),
        "from-above": (
            "from above, aerial, bird's eye, birds eye, birdseye, overhead, top down, bird's eye "
            "view, aerial view"
        ),
        "panorama": "panorama, panoramic, wide, wide angle, vista, widescreen",
        "minimal": (
            "minimal, minimalist, minimalistic, simple, sparse, spare, bare, empty, clean, "
            "uncluttered"
        ),
        "crowded": "crowded, busy, full, bustling, dense, packed, cluttered, teeming",
        "still-life": "still life, still-life, tabletop scene",
    }
)

QUANTITIES: Final[Mapping[str, int]] = _by_number(
    {
        1: "one, single, lone",
        2: "two, pair, couple, twin, twins, 2",
        3: "three, trio, few, a few, some, pod, family, 3",
        4: "four, several, herd, pack, group, fleet, bunch, cluster, gaggle, row, 4",
        5: "five, flock, school, 5",
        6: "six, many, lots, lots of, a lot of, numerous, swarm, 6",
        7: "seven, dozens, 7",
        8: "eight, nine, ten, 8",
    }
)

PLACES: Final[Mapping[str, str]] = _by_meaning(
    {
        "top-left": "top left, upper left, top left corner",
        "top-right": "top right, upper right, top right corner",
        "bottom-left": "bottom left, lower left, bottom left corner",
        "bottom-right": "bottom right, lower right, bottom right corner",
        "left": "left",
        "right": "right",
        "center": "centre, center, middle",
        "top": "top, upper",
        "bottom": "bottom, lower",
        "corner": "corner",
        "sky": "sky, in the sky",
        "foreground": "foreground, front",
        "background": "background, distance, far, horizon",
    }
)

STYLES: Final[Mapping[str, str]] = _by_meaning(
    {
        "abstract": "abstract, abstraction, non figurative, nonrepresentational, composition",
        "pattern": (
            "pattern, patterns, lines, stripes, swirls, spirals, dots, mosaic, tessellation, "
            "texture"
        ),
        "rhythm": "rhythm, rhythms, rhythmic",
        "geometric": "geometric, geometry, shapes, grid, circles, squares, triangles, forms",
    }
)

INTENTS: Final[Mapping[str, str]] = _by_meaning(
    {
        "add": "add, put, place, include, another, extra, also, give",
        "more": "more, busier, fuller, denser, bluer, redder, greener",
        "bigger": "bigger, larger, big, large, huge, giant, enormous, enlarge, taller",
        "smaller": "smaller, small, tiny, little, shrink",
        "less": "less, fewer, clutter, declutter, simpler, cleaner, calmer, sparser",
        "remove": "remove, delete, drop, without",
        "finish": (
            "finish, finished, done, sign, sign it, signature, complete, stop, enough, that's it, "
            "that's all, wrap up"
        ),
    }
)

_COLOUR_COMPARATIVES: Final[Mapping[str, str]] = MappingProxyType(
    {"bluer": "blue", "redder": "red", "greener": "green"}
)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLERS: Final[frozenset[str]] = _word_set(
    "sitting sleeping standing flying swimming walking running looking resting sailing "
    "floating perched curled lying glowing shining falling rising watching playing "
    "beautiful lovely pretty nice old new young tall short round tiny quaint ancient "
    "distant lit bright view scene landscape picture image painting drawing sketch art "
    "artwork piece study please draw paint make create show me i want would like some "
    "very really just light dark bit slightly much gently softly now it them there here "
    "colour colours color colors tone tones hue hues shade shades palette style "
    "something thing things"
)
"""Words that are understood but change nothing: they are never reported as undrawable."""

STOP_WORDS: Final[frozenset[str]] = _word_set(
    "a an the of in on at by with and or to for from into onto over under near beside "
    "next its it's is are be this that these those my your our their his her i me we "
    "you as up down out off through across along against behind above below between "
    "around among while where when which who what there here so than then too all any "
    "each every into upon within inside outside toward towards via has have had"
)


@dataclass(frozen=True)
class NamedColour:
    name: str
    hex: str


@dataclass(frozen=True)
class Wanted:
    """A subject the words asked for: ``count`` is the number said, 3 for a bare plural."""

    name: str
    count: int
    colour: str | None  # hex of the colour that qualifies it ("a red boat")
    counted: bool = False  # True when a number or collective word gave the count
    colour_name: str | None = None
    word: str = ""  # the words that named it ("kittens"), for the notebook
    variant: int | None = None  # the drawing a hint asked for ("a crescent moon"), else None
    hint: str = ""  # the words that asked for it ("crescent")


@dataclass(frozen=True)
class Reading:
    """What the words say, in prompt order; ``unknown`` are content words it could not use."""

    subjects: tuple[Wanted, ...] = ()
    colours: tuple[NamedColour, ...] = ()  # every colour named, in order
    free_colours: tuple[NamedColour, ...] = ()  # colours not tied to a subject: the palette's
    time_of_day: str | None = None
    weather: tuple[str, ...] = ()
    mood: str | None = None
    composition: str | None = None
    abstract: bool = False
    styles: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    matched: tuple[tuple[str, str], ...] = ()  # (surface words, what they meant)


# --- building the table ---


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def _plural(word: str) -> str:
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


COLLECTIVE_FORMS: Final = frozenset({"woods", "waves", "rocks", "village", "hamlet", "orchard"})
"""Singular words that name several of a subject ("a village" is a few houses)."""


def _subject_forms() -> Iterable[tuple[str, Entry, bool]]:
    """(surface, entry, is_plural) for every subject synonym and its plural."""
    for name, forms in SUBJECT_WORDS.items():
        for form in forms:
            yield form, Entry(Kind.SUBJECT, name), form in COLLECTIVE_FORMS
            last = form.split()[-1]
            if last.endswith("s") or form in ("sunny", "cloudy", "starry", "moonlit"):
                continue
            plural = " ".join([*form.split()[:-1], _plural(last)])
            yield plural, Entry(Kind.SUBJECT, name), plural != name  # "hands" is one subject


def _other_forms() -> Iterable[tuple[str, Entry]]:
    for name in COLOURS:
        yield name, Entry(Kind.COLOUR, name)
    for form, name in _COLOUR_FORMS.items():
        yield form, Entry(Kind.COLOUR, name)
    tables: tuple[tuple[Kind, Mapping[str, str]], ...] = (
        (Kind.TINT, _TINTS),
        (Kind.TIME, TIMES),
        (Kind.WEATHER, WEATHER),
        (Kind.MOOD, MOODS),
        (Kind.COMPOSITION, COMPOSITIONS),
        (Kind.PLACE, PLACES),
        (Kind.STYLE, STYLES),
        (Kind.INTENT, INTENTS),
    )
    for kind, table in tables:
        for form, value in table.items():
            yield form, Entry(kind, value)
    for form, n in QUANTITIES.items():
        yield form, Entry(Kind.QUANTITY, str(n))
    for form in PHRASE_FILLERS:
        yield form, Entry(Kind.FILLER, form)


def _build() -> tuple[Mapping[tuple[str, ...], tuple[Entry, ...]], frozenset[tuple[str, ...]]]:
    table: dict[tuple[str, ...], list[Entry]] = {}
    plurals: set[tuple[str, ...]] = set()
    for form, entry, plural in _subject_forms():
        key = tuple(_tokens(form))
        table.setdefault(key, []).append(entry)
        if plural:
            plurals.add(key)
    for form, entry in _other_forms():
        key = tuple(_tokens(form))
        if entry not in table.setdefault(key, []):
            table[key].append(entry)
    frozen = {key: tuple(dict.fromkeys(entries)) for key, entries in table.items()}
    return MappingProxyType(frozen), frozenset(plurals)


LEXICON, _PLURAL_KEYS = _build()
"""Surface phrase (as tokens) → what it means; one phrase may mean several things
("moonlit" is a moon and night; "portrait" is a subject and a close-up)."""

_MAX_PHRASE: Final = max(len(key) for key in LEXICON)


def _hint_keys() -> Mapping[str, Mapping[tuple[str, ...], int]]:
    """``VARIANT_HINTS`` as token tuples (with the plural of each phrase's last word)."""
    out: dict[str, Mapping[tuple[str, ...], int]] = {}
    for name, by_variant in VARIANT_HINTS.items():
        keys: dict[tuple[str, ...], int] = {}
        for variant, text in by_variant.items():
            for form in _forms(text):
                key = tuple(_tokens(form))
                keys[key] = variant
                if not key[-1].endswith("s"):
                    keys[(*key[:-1], _plural(key[-1]))] = variant
        out[name] = MappingProxyType(keys)
    return MappingProxyType(out)


HINT_KEYS: Final = _hint_keys()
"""Subject → hint phrase (as tokens) → variant: the lookup form of ``VARIANT_HINTS``."""

_HINT_WORDS: Final = frozenset(w for keys in HINT_KEYS.values() for key in keys for w in key)
"""Every word of a hint: understood ("a fairy tale castle"), never reported as undrawable."""
_MAX_HINT: Final = max(len(key) for keys in HINT_KEYS.values() for key in keys)
GLUE: Final = _word_set("a an the is are was of its all just very sitting standing resting")
"""Words a hint after its subject may skip ("a cat is curled up", "a vase of tulips")."""
GROUP_WORDS: Final = frozenset({"stack", "stacks", "pile", "piles", "heap", "cluster", "clump"})
"""Hint words that make one drawing of many things ("a stack of books" is one stack)."""
_HINT_STOPS: Final = frozenset({"and", "or", "but", "while"})


# --- reading ---


def _stems(word: str) -> list[str]:
    """Plain suffix stripping for forms the table does not list ("lanterns", "glowing")."""
    out = []
    if word.endswith("'s"):
        out.append(word[:-2])
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        out.append(word[:-1])
    if word.endswith("ing") and len(word) > 5:
        out += [word[:-3], word[:-3] + "e"]
    if word.endswith("ed") and len(word) > 4:
        out += [word[:-2], word[:-1]]
    return out


def _lookup(tokens: list[str], i: int) -> tuple[int, tuple[Entry, ...], bool]:
    """Longest phrase at ``tokens[i]``: (length, entries, plural); length 0 if none."""
    for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        key = tuple(tokens[i : i + n])
        if key in LEXICON:
            return n, LEXICON[key], key in _PLURAL_KEYS
    if tokens[i] in _HINT_WORDS and tokens[i].endswith(QUIET_ENDINGS):
        return 0, (), False  # "waving" is a figure's hint, not a wave; "rowing" counts nothing
    for stem in _stems(tokens[i]):
        if (stem,) in LEXICON:
            plural = tokens[i].endswith("s") and not tokens[i].endswith("'s")
            return 1, LEXICON[(stem,)], plural
    return 0, (), False


BREAKS: Final = _word_set(
    "with in on at under over by from near beside behind above below against across through "
    "during into onto"
)
"""Prepositions end a "red …" or "two …" run: in "a cat on a red mat" the cat is not red."""
REACH: Final = 4
"""How many words a colour or number may stand before the subject it qualifies."""
QUIET_ENDINGS: Final = ("ing", "ed")
"""Unknown verbs ("galloping", "reflected") pose a subject; they are not things to draw."""


@dataclass
class _Walk:
    """Mutable scratch state of one ``read_words`` pass (local to the call)."""

    subjects: list[Wanted] = field(default_factory=list)
    colours: list[NamedColour] = field(default_factory=list)
    tied: set[int] = field(default_factory=set)
    buckets: dict[Kind, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)
    pos: int = 0  # index of the token being read
    pending_colour: int | None = None  # index into colours
    pending_count: int | None = None
    pending_at: int = 0
    last_subject_at: int = -REACH - 1
    tint: str | None = None
    count_pos: int = -1  # index of the token that gave the pending count
    spans: list[tuple[int, int]] = field(default_factory=list)  # tokens naming each subject
    count_at: list[int] = field(default_factory=list)  # where each subject's count was said

    def bucket(self, kind: Kind) -> list[str]:
        return self.buckets.setdefault(kind, [])

    def drop_pending(self) -> None:
        """A "many" that counted nothing ("many colours") reads as a crowded composition."""
        if self.pending_count is not None and self.pending_count >= 6:
            self.bucket(Kind.COMPOSITION).append("crowded")
        self.pending_colour = self.pending_count = None


def _tinted(hex_colour: str, tint: str | None) -> str:
    if tint is None:
        return hex_colour
    r, g, b = (int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))
    target, t = {"dark": ((0, 0, 0), 0.35), "light": ((255, 255, 255), 0.4)}.get(
        tint, ((r, g, b), 0.0)
    )
    mixed = (round(c + (d - c) * t) for c, d in zip((r, g, b), target, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _take_subject(walk: _Walk, name: str, plural: bool, surface: str) -> None:
    repeat = walk.subjects and walk.subjects[-1].name == name
    width = len(surface.split())
    if repeat and walk.pos - walk.last_subject_at <= REACH:
        walk.drop_pending()  # "koi fish", "a cup of coffee": one subject named twice
        walk.spans[-1] = (walk.spans[-1][0], walk.pos + width)
        return
    colour = colour_name = None
    if walk.pending_colour is not None:
        walk.tied.add(walk.pending_colour)
        colour = walk.colours[walk.pending_colour].hex
        colour_name = walk.colours[walk.pending_colour].name
    counted = walk.pending_count is not None
    count = walk.pending_count if walk.pending_count is not None else (3 if plural else 1)
    walk.subjects.append(Wanted(name, count, colour, counted, colour_name, surface))
    walk.spans.append((walk.pos, walk.pos + width))
    walk.count_at.append(walk.count_pos if counted else -1)
    walk.pending_colour = walk.pending_count = None
    walk.last_subject_at = walk.pos


def _take_entry(walk: _Walk, entry: Entry, plural: bool, surface: str) -> None:
    kind, value = entry
    if kind is Kind.SUBJECT:
        _take_subject(walk, value, plural, surface)
    elif kind is Kind.COLOUR:
        name = value if walk.tint is None else f"{walk.tint} {value}"
        walk.colours.append(NamedColour(name, _tinted(COLOURS[value], walk.tint)))
        walk.pending_colour, walk.pending_at = len(walk.colours) - 1, walk.pos
    elif kind is Kind.TINT:
        walk.tint = value
    elif kind is Kind.QUANTITY:
        walk.pending_count, walk.pending_at = int(value), walk.pos
        walk.count_pos = walk.pos
    else:
        walk.bucket(kind).append(value)


def _take(walk: _Walk, surface: str, entries: tuple[Entry, ...], plural: bool) -> None:
    for entry in entries:
        _take_entry(walk, entry, plural, surface)
    if entries[0].kind is not Kind.TINT:
        walk.tint = None
    walk.matched.append((surface, ", ".join(f"{e.kind.value} {e.value}" for e in entries)))


def _skip(walk: _Walk, word: str) -> None:
    """A word not in the table: a break, a quiet word, or something it cannot draw."""
    if word in BREAKS:
        walk.drop_pending()
        return
    hint = word in _HINT_WORDS or any(stem in _HINT_WORDS for stem in _stems(word))
    quiet = word in STOP_WORDS or word in FILLERS or word.isdigit() or hint
    if quiet or (len(word) > 5 and word.endswith(QUIET_ENDINGS)):
        return
    walk.unknown.append(word.removesuffix("'s"))


def read_words(text: str) -> Reading:
    """Read a prompt or a nudge into a ``Reading``; never raises, whatever the text."""
    tokens = _tokens(text or "")
    walk = _Walk()
    i = 0
    while i < len(tokens):
        walk.pos = i
        if i - walk.pending_at > REACH:
            walk.drop_pending()
        n, entries, plural = _lookup(tokens, i)
        if n == 0:
            _skip(walk, tokens[i])
            i += 1
            continue
        _take(walk, " ".join(tokens[i : i + n]), entries, plural)
        i += n
    walk.drop_pending()
    walk.subjects = [_hinted(walk, k, tokens) for k in range(len(walk.subjects))]
    for word, colour in _COLOUR_COMPARATIVES.items():
        if word in tokens:
            walk.colours.append(NamedColour(colour, COLOURS[colour]))
    return _reading(walk)


class _Hint(NamedTuple):
    """A hint found near a subject; the smallest one (a qualifier before the subject's own
    word, then the nearest, then the longest) wins."""

    weak: bool  # the subject's own word ("barn"), which a qualifier overrides ("stormy lake")
    distance: int
    length: int  # negated, so longer phrases sort first
    at: int
    variant: int


def _hint_length(name: str, tokens: Sequence[str], i: int, hi: int) -> int:
    """Length of the longest hint phrase for ``name`` at ``tokens[i]`` ending by ``hi``."""
    keys = HINT_KEYS.get(name, {})
    for n in range(min(_MAX_HINT, hi - i), 0, -1):
        if tuple(tokens[i : i + n]) in keys:
            return n
    return 0


def _hint_window(
    name: str, tokens: Sequence[str], span: tuple[int, int], floor: int
) -> tuple[int, int]:
    """Where a hint may stand: a few words before the subject (not past a preposition, an
    "and" or the previous subject) and a hint right after it ("a whale leaping")."""
    start, end = span
    lo = start
    while lo > floor and start - lo < REACH:
        word = tokens[lo - 1]
        if word in BREAKS or word in _HINT_STOPS:
            break
        lo -= 1
    hi = end
    for j in range(end, min(len(tokens), end + 4)):
        n = _hint_length(name, tokens, j, len(tokens))
        if n:
            hi = j + n
            break
        if tokens[j] not in GLUE:
            break
    return lo, hi


def _hints_near(name: str, tokens: Sequence[str], span: tuple[int, int], floor: int) -> list[_Hint]:
    lo, hi = _hint_window(name, tokens, span, floor)
    start = span[0]
    own = Entry(Kind.SUBJECT, name)
    found = []
    for i in range(lo, hi):
        n = _hint_length(name, tokens, i, hi)
        if n == 0:
            continue
        key = tuple(tokens[i : i + n])
        weak = own in LEXICON.get(key, ()) or own in LEXICON.get(key[-1:], ())
        distance = start - (i + n) if i + n <= start else i - start
        found.append(_Hint(weak, distance, -n, i, HINT_KEYS[name][key]))
    return found


def _hinted(walk: _Walk, k: int, tokens: Sequence[str]) -> Wanted:
    """The k-th subject with the variant its neighbouring words ask for, if any."""
    want, span = walk.subjects[k], walk.spans[k]
    floor = walk.spans[k - 1][1] if k else 0
    found = _hints_near(want.name, tokens, span, floor)
    if not found:
        return want
    best = min(found)
    words = range(best.at, best.at - best.length)
    hinted = replace(want, variant=best.variant, hint=" ".join(tokens[i] for i in words))
    group = any(tokens[i] in GROUP_WORDS for i in words)
    if group and (not want.counted or walk.count_at[k] in words):
        return replace(hinted, count=1, counted=True)  # "a stack of books" is one stack
    return hinted


def _reading(walk: _Walk) -> Reading:
    free = tuple(c for k, c in enumerate(walk.colours) if k not in walk.tied)
    styles = walk.bucket(Kind.STYLE)
    times, moods = walk.bucket(Kind.TIME), walk.bucket(Kind.MOOD)
    compositions = walk.bucket(Kind.COMPOSITION)
    return Reading(
        subjects=tuple(walk.subjects),
        colours=tuple(walk.colours),
        free_colours=free,
        time_of_day=times[-1] if times else None,
        weather=tuple(dict.fromkeys(walk.bucket(Kind.WEATHER))),
        mood=moods[0] if moods else None,
        composition=compositions[0] if compositions else None,
        abstract="abstract" in styles or (bool(styles) and not walk.subjects),
        styles=tuple(dict.fromkeys(styles)),
        places=tuple(walk.bucket(Kind.PLACE)),
        intents=tuple(dict.fromkeys(walk.bucket(Kind.INTENT))),
        unknown=tuple(dict.fromkeys(walk.unknown)),
        matched=tuple(walk.matched),
    )
