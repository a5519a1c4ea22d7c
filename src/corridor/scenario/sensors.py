"""What the sensors see: ANPR reads, drone and camera sightings, scanner results, detections.

Observations come from the true world: smuggling vehicles' drives pass ANPR cameras (with convoys
and misreads), groups crossing a border are sighted and detected (several times when they try
more than once), and smuggling vehicles are scanned at crossing points (and more often carry
something). Ordinary traffic, false alarms and unrelated groups make up the rest. ANPR is the
one feed that grows linearly with `scale`; it is generated and written one day at a time, so a
benchmark bundle of millions of reads never sits in memory.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from corridor.scenario.geography import Camera, Geography
from corridor.scenario.handling import GB_NCA, RS_MUP
from corridor.scenario.nationalities import UNKNOWN_NATIONALITY, frontex_mix_2024
from corridor.scenario.plates import camera_vrm, misread, written_variant
from corridor.scenario.records import END, START, BackgroundVehicle, Crossing, Group, World
from corridor.scenario.vehicles import Clone

#: ANPR reads per unit of scale, over both agencies and the whole scenario period.
ANPR_READS_PER_SCALE = 20_000
_ANPR_SHARE = {RS_MUP: 0.8, GB_NCA: 0.2}
_HOME = {RS_MUP: "RS", GB_NCA: "GB"}

ANPR_COLUMNS = (
    "read_id", "vrm", "country", "read_at", "camera_id", "site_id", "lat", "lon", "lane",
    "direction", "confidence", "plate_image", "overview_image",
)  # fmt: skip
ANPR_TRUTH_COLUMNS = ("read_id", "vehicle_id", "run_id", "convoy_id", "misread")
DETECTION_COLUMNS = (
    "detection_id", "detected_at", "lat", "lon", "border_section", "crossing_point", "country",
    "direction", "people_count", "nationality", "method", "plate", "phone",
)  # fmt: skip

#: File-level provenance of each sensor feed (also written into the manifest).
SENSOR_PROVENANCE: dict[str, dict[str, str]] = {
    "anpr": {"grading": "1AP", "classification": "OFFICIAL-SENSITIVE"},
    "sightings": {"grading": "1BP", "classification": "OFFICIAL-SENSITIVE"},
    "scans": {"grading": "1AP", "classification": "OFFICIAL-SENSITIVE"},
    "detections": {"grading": "1AP", "classification": "OFFICIAL"},
}
EXPORTED_AT = "2025-05-01T00:00:00Z"
REVIEW_BY = "2027-04-30"

# Traffic by hour of day (ordinary cars; lorries run flatter through the night).
_HOURS = (1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 5, 4, 3, 2, 1)
_LORRY_HOURS = (3, 3, 3, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 5, 4, 4, 3)

# Rough heading of people crossing at each border (degrees from north).
_HEADING = {
    "MK-RS-TABANOVCE": 10.0, "BG-RS-GRADINA": 300.0, "RS-HU-HORGOS": 15.0,
    "RS-HU-KANJIZA": 10.0, "RS-HR-BATROVCI": 275.0, "RS-HR-SID": 270.0, "RS-BA-ZVORNIK": 250.0,
    "FR-GB-KENT-COAST": 300.0, "FR-GB-DOVER": 300.0,
}  # fmt: skip

_SCANNERS = {
    RS_MUP: ("RS-HU-HORGOS", "RS-HR-BATROVCI", "BG-RS-GRADINA", "MK-RS-TABANOVCE"),
    GB_NCA: ("FR-GB-DOVER",),
}


def provenance(agency: str, kind: str) -> dict[str, str]:
    """The provenance block a sensor file carries (and its manifest entry repeats)."""
    return {"agency": agency, **SENSOR_PROVENANCE[kind], "collected_at": EXPORTED_AT,
            "review_by": REVIEW_BY}  # fmt: skip


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _jitter(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    """A point within `km` of (lat, lon)."""
    r = km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.0
    dlon = r * math.sin(theta) / (111.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


# --- ANPR --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    at: datetime
    camera: Camera
    plate: str
    country: str
    kind: str
    vehicle_id: str
    run_id: str  # a drive's id, or an ordinary trip's (`bgr-`), or a cloned plate's (`cln-`)
    convoy_id: str
    clone: bool = False  # read on a cloned plate (numbered and drawn apart from the others)


class _Anpr:
    """Reads for one agency's cameras, produced one day at a time."""

    def __init__(self, world: World, agency: str, clones: list[Clone] | None = None) -> None:
        self.world = world
        self.agency = agency
        self.home = _HOME[agency]
        self.rng = random.Random(f"{world.seed}:{world.scale}:anpr:{agency}")
        geo = world.geo
        self.roads = sorted(r.id for r in geo.roads.values() if r.country == self.home)
        self.road_weights = [geo.roads[r].km[-1] for r in self.roads]
        self.cams: dict[tuple[str, bool], list[Camera]] = {
            (r, asc): geo.cameras_on(r, asc) for r in self.roads for asc in (True, False)
        }
        self.pool: list[BackgroundVehicle] = [b for b in world.background if b.home == self.home]
        self.regulars = self.pool[: max(1, len(self.pool) // 10)]
        self.smuggling = self._smuggling_reads(geo)
        days = (END.date() - START.date()).days + 1
        self.days = [START.date() + timedelta(days=d) for d in range(days)]
        target = round(ANPR_READS_PER_SCALE * world.scale * _ANPR_SHARE[agency])
        smuggled = sum(len(v) for v in self.smuggling.values())
        self.background_total = max(0, target - smuggled)
        self.bg_run = 0
        self.cloned = self._clone_reads(geo, clones or [])

    def _clone_reads(self, geo: Geography, clones: list[Clone]) -> dict[date, list[_Read]]:
        """Reads of cloned plates, from a generator of their own: the other reads stay as they
        would be without them."""
        rng = random.Random(f"{self.world.seed}:{self.world.scale}:clones:anpr:{self.agency}")
        by_day: dict[date, list[_Read]] = {}
        for clone in clones:
            for drive in clone.drives:
                if geo.roads[drive.road].country != self.home:
                    continue
                ascending = drive.to_km > drive.from_km
                lo, hi = sorted((drive.from_km, drive.to_km))
                for cam in self.cams[(drive.road, ascending)]:
                    if not lo <= cam.km <= hi or rng.random() > 0.92:
                        continue
                    hours = abs(cam.km - drive.from_km) / drive.speed_kmh
                    at = drive.start + timedelta(hours=hours, seconds=rng.uniform(-20, 20))
                    read = _Read(at.replace(microsecond=0), cam, clone.plate, clone.country,
                                 clone.kind, drive.vehicle_id, drive.run_id, "",
                                 clone=True)  # fmt: skip
                    by_day.setdefault(read.at.date(), []).append(read)
        return by_day

    def _smuggling_reads(self, geo: Geography) -> dict[date, list[_Read]]:
        by_day: dict[date, list[_Read]] = {}
        rng = self.rng
        for drive in self.world.drives:
            if geo.roads[drive.road].country != self.home:
                continue
            v = self.world.vehicles[drive.vehicle_id]
            ascending = drive.to_km > drive.from_km
            lo, hi = sorted((drive.from_km, drive.to_km))
            for cam in self.cams[(drive.road, ascending)]:
                if not lo <= cam.km <= hi or rng.random() > 0.92:
                    continue
                hours = abs(cam.km - drive.from_km) / drive.speed_kmh
                at = drive.start + timedelta(hours=hours, seconds=rng.uniform(-20, 20))
                read = _Read(at.replace(microsecond=0), cam, v.plate, v.country, v.kind, v.id,
                             drive.id, drive.convoy_id or "")  # fmt: skip
                by_day.setdefault(read.at.date(), []).append(read)
        return by_day

    def _trip(self, day: date, out: list[_Read]) -> None:
        """One ordinary vehicle driving part of a road on `day`."""
        rng = self.rng
        v = rng.choice(self.regulars) if rng.random() < 0.35 else rng.choice(self.pool)
        road_id = rng.choices(self.roads, weights=self.road_weights)[0]
        length = self.world.geo.roads[road_id].km[-1]
        ascending = rng.random() < 0.5
        start_km = rng.uniform(0, length)
        span = min(length, rng.expovariate(1 / 90) + 15)
        lo, hi = (start_km, min(length, start_km + span)) if ascending else (
            max(0.0, start_km - span), start_km)  # fmt: skip
        hours = _LORRY_HOURS if v.kind == "lorry" else _HOURS
        hour = rng.choices(range(24), weights=hours)[0]
        speed = rng.uniform(70, 88) if v.kind == "lorry" else rng.uniform(88, 135)
        start = datetime(day.year, day.month, day.day, hour) + timedelta(
            seconds=rng.randint(0, 3599))  # fmt: skip
        self.bg_run += 1
        run_id = f"bgr-{self.home.lower()}-{self.bg_run:07d}"
        origin = lo if ascending else hi
        for cam in self.cams[(road_id, ascending)]:
            if lo <= cam.km <= hi and rng.random() < 0.93:
                at = start + timedelta(hours=abs(cam.km - origin) / speed)
                if at.date() != day:
                    break
                out.append(_Read(at.replace(microsecond=0), cam, v.plate, v.country, v.kind,
                                 v.id, run_id, ""))  # fmt: skip

    def day_reads(self, index: int) -> list[_Read]:
        """All reads of one day, in time order."""
        day = self.days[index]
        n = len(self.days)
        want = (index + 1) * self.background_total // n - index * self.background_total // n
        reads = list(self.smuggling.get(day, []))
        background: list[_Read] = []
        while len(background) < want:
            self._trip(day, background)
        reads.extend(background[:want])
        # Reads on cloned plates go last before the (stable) sort: the others keep their order.
        reads.extend(self.cloned.get(day, []))
        reads.sort(key=lambda r: (r.at, r.camera.camera_id, r.plate))
        return reads


def write_anpr(
    world: World,
    agency: str,
    out: IO[str],
    truth: IO[str],
    progress: Callable[[str, int], None] | None = None,
    clones: list[Clone] | None = None,
) -> int:
    """Stream one agency's ANPR feed and its ground truth; returns the number of reads.

    Reads on cloned plates are numbered apart (`…-anpr-c0000001`) and drawn from a generator
    of their own, so that every other read is written as it would be without them."""
    anpr = _Anpr(world, agency, clones)
    rng = random.Random(f"{world.seed}:{world.scale}:anpr-writer:{agency}")
    clone_rng = random.Random(f"{world.seed}:{world.scale}:clones:anpr-writer:{agency}")
    writer = csv.writer(out, lineterminator="\n")
    twriter = csv.writer(truth, lineterminator="\n")
    writer.writerow(ANPR_COLUMNS)
    prefix = "rs-mup" if agency == RS_MUP else "gb-nca"
    coords = {c.camera_id: (f"{c.lat:.5f}", f"{c.lon:.5f}") for c in world.geo.cameras}
    n = cloned = 0
    for index in range(len(anpr.days)):
        for read in anpr.day_reads(index):
            if read.clone:
                cloned += 1
                read_id, draw = f"{prefix}-anpr-c{cloned:07d}", clone_rng
            else:
                n += 1
                read_id, draw = f"{prefix}-anpr-{n:08d}", rng
            vrm = camera_vrm(read.plate)
            bad = draw.random() < 0.02
            if bad:
                vrm = misread(vrm, draw)
                confidence = draw.uniform(0.45, 0.79)
            else:
                confidence = draw.uniform(0.8, 0.995)
            lane = 1 if read.kind == "lorry" else draw.choice((1, 2, 2, 3))
            lat, lon = coords[read.camera.camera_id]
            writer.writerow((
                read_id, vrm, read.country if draw.random() > 0.05 else "", _stamp(read.at),
                read.camera.camera_id, read.camera.site_id, lat, lon, lane,
                read.camera.direction, f"{confidence:.2f}",
                f"anpr/{read.camera.camera_id}/{read_id}-plate.jpg",
                f"anpr/{read.camera.camera_id}/{read_id}-scene.jpg" if draw.random() < 0.3 else "",
            ))  # fmt: skip
            twriter.writerow((read_id, read.vehicle_id, read.run_id, read.convoy_id, _b(bad)))
        if progress is not None and index % 30 == 29:
            progress(f"anpr {agency}", n + cloned)
    return n + cloned


# --- Sightings ---------------------------------------------------------------------------------


def _crossings_seen_by(world: World, agency: str) -> list[Crossing]:
    home = _HOME[agency]
    points = world.geo.crossings
    return [c for c in world.crossings
            if home in (points[c.point].country_from, points[c.point].country_to)]  # fmt: skip


def _composition(people: int, rng: random.Random) -> str:
    women = round(people * rng.uniform(0.05, 0.25))
    children = round(people * rng.uniform(0.0, 0.2))
    men = max(0, people - women - children)
    return f"men:{men};women:{women};children:{children}"


def _group_of(world: World) -> dict[str, Group]:
    return {g.id: g for g in world.groups}


def build_sightings(world: World, agency: str) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """GeoJSON features and truth rows (sighting id, crossing, group, what it was)."""
    rng = random.Random(f"{world.seed}:{world.scale}:sightings:{agency}")
    geo = world.geo
    home = _HOME[agency]
    raw: list[tuple[datetime, dict[str, Any], str, str, str]] = []
    sensors = [f"{home}-{'GP' if home == 'RS' else 'BF'}-{kind}-{n:02d}"
               for kind in ("DRN", "TRM", "CAM") for n in range(1, 5)]  # fmt: skip

    def sighting(at: datetime, point_id: str, people: int, crossing: str, group: str,
                 what: str, plate: str = "") -> None:  # fmt: skip
        point = geo.crossings[point_id]
        lat, lon = _jitter(point.lat, point.lon, 3.0, rng)
        sensor = rng.choice(sensors)
        stype = {"DRN": "drone", "TRM": "thermal", "CAM": "camera"}[sensor.split("-")[2]]
        seen = people if people == 0 else max(1, people + rng.randint(-2, 1))
        props: dict[str, Any] = {
            "observed_at": _stamp(at),
            "sensor_id": sensor,
            "sensor_type": stype,
            "people_count": seen,
            "heading_deg": round((_HEADING.get(point_id, 0.0) + rng.uniform(-25, 25)) % 360, 1),
            "confidence": round(rng.uniform(0.5, 0.95), 2),
            "image_ref": f"img/{sensor}/{at.strftime('%Y%m%dT%H%M%S')}.jpg",
        }
        if seen and stype != "thermal" and rng.random() < 0.6:
            props["composition"] = _composition(seen, rng)
        if plate:
            props["plate"] = plate
        feature = {"type": "Feature", "geometry": {"type": "Point",
                   "coordinates": [round(lon, 5), round(lat, 5)]}, "properties": props}  # fmt: skip
        raw.append((at, feature, crossing, group, what))

    for cr in _crossings_seen_by(world, agency):
        if cr.point == "FR-GB-DOVER":
            continue  # people hidden in a lorry at the port: nothing for a drone to see
        for attempt in [*cr.failed_attempts, cr.at]:
            for _ in range(rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]):
                at = attempt + timedelta(minutes=rng.randint(-90, 30))
                plate = ""
                if cr.vehicle_id and rng.random() < 0.3:
                    plate = world.vehicles[cr.vehicle_id].plate
                sighting(at.replace(second=0), cr.point, cr.people, cr.id, cr.group_id,
                         "group", plate)  # fmt: skip
    points = sorted(p for p, c in geo.crossings.items() if home in (c.country_from, c.country_to)
                    and p != "FR-GB-DOVER")  # fmt: skip
    span = int((END - START).total_seconds() // 60)
    extra = round((20 if home == "RS" else 5) * world.scale)
    for k in range(extra + round(0.15 * len(raw)) + 1):
        at = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
        if k < extra:
            sighting(at, rng.choice(points), rng.randint(3, 30), "", "", "other_group")
        else:
            sighting(at, rng.choice(points), rng.choice((0, 0, 1, 2, 3)), "", "", "false_alarm")
    raw.sort(key=lambda r: (r[0], r[1]["properties"]["sensor_id"]))
    features, truth = [], []
    prefix = "rs-mup" if agency == RS_MUP else "gb-nca"
    for n, (_, feature, crossing, group, what) in enumerate(raw, start=1):
        sid = f"{prefix}-sgt-{n:06d}"
        feature["properties"] = {"sighting_id": sid, **feature["properties"]}
        features.append(feature)
        truth.append([sid, crossing, group, what])
    return features, truth


# --- Scans -------------------------------------------------------------------------------------

_CONCEALMENT = {
    "people": ("false floor in load space", "behind pallets", "roof cavity", "cab sleeper"),
    "drugs": ("spare tyre", "fuel tank", "dashboard"),
    "cash": ("door panels", "under rear seats"),
    "weapons": ("load space", "under rear seats"),
    "other": ("cigarettes in load", "undeclared goods"),
}


def build_scans(world: World, agency: str) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Scanner results at crossing points and what each vehicle really carried."""
    rng = random.Random(f"{world.seed}:{world.scale}:scans:{agency}")
    geo = world.geo
    home = _HOME[agency]
    points = _SCANNERS[agency]
    raw: list[tuple[datetime, dict[str, Any], list[str]]] = []

    def scan(at: datetime, point_id: str, plate: str, country: str, vehicle_id: str,
             concealed: str, quantity: float, crossing: str) -> None:  # fmt: skip
        point = geo.crossings[point_id]
        if concealed == "people":
            method = rng.choice(("heartbeat", "co2", "xray", "dog"))
        else:
            method = rng.choice(("xray", "xray", "gamma", "dog", "manual"))
        if concealed != "none":
            found = rng.random() < (0.75 if concealed == "people" else 0.65)
        else:
            found = False
        false_alarm = concealed == "none" and rng.random() < 0.01
        result = concealed if found else ("other" if false_alarm else "clear")
        item: dict[str, Any] = {
            "plate": written_variant(plate, rng),
            "country": country,
            "crossing_point": point_id,
            "scanned_at": _stamp(at),
            "scanner_id": f"{point_id}-SCN-{rng.randint(1, 3)}",
            "method": method,
            "result": result,
            "lat": round(point.lat, 5),
            "lon": round(point.lon, 5),
        }
        if found:
            item["quantity"] = quantity
            item["concealment"] = rng.choice(_CONCEALMENT[concealed])
        raw.append((at, item, [vehicle_id, _b(concealed != "none"), concealed,
                               f"{quantity:g}" if concealed != "none" else "",
                               _b(result == concealed or (concealed == "none" and
                                                          result == "clear")),
                               crossing]))  # fmt: skip

    for cr in world.crossings:
        if cr.point in points and cr.vehicle_id and rng.random() < 0.55:
            v = world.vehicles[cr.vehicle_id]
            at = cr.at - timedelta(minutes=rng.randint(5, 40))
            scan(at.replace(second=0), cr.point, v.plate, v.country, v.id, "people",
                 float(cr.people), cr.id)  # fmt: skip
    span = int((END - START).total_seconds() // 60)
    for vid, v in sorted(world.vehicles.items()):
        if not v.smuggling or (home == "GB") != (v.kind == "lorry" or v.country == "GB"):
            continue
        for _ in range(rng.randint(1, 4)):
            at = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
            cash = rng.random() < 0.08
            scan(at, rng.choice(points), v.plate, v.country, vid, "cash" if cash else "none",
                 float(rng.randint(5, 60) * 1000) if cash else 0.0, "")  # fmt: skip
    pool = [b for b in world.background if b.home == home]
    for _ in range(round((300 if home == "RS" else 150) * world.scale)):
        b = rng.choice(pool)
        at = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
        concealed = rng.choices(("none", "drugs", "cash", "people", "weapons", "other"),
                                weights=(960, 15, 10, 5, 2, 8))[0]  # fmt: skip
        quantity = {"none": 0.0, "drugs": float(rng.randint(1, 40)),
                    "cash": float(rng.randint(10, 200) * 1000), "people": float(rng.randint(2, 15)),
                    "weapons": float(rng.randint(1, 6)),
                    "other": float(rng.randint(50, 900))}[concealed]  # fmt: skip
        scan(at, rng.choice(points), b.plate, b.country, b.id, concealed, quantity, "")
    raw.sort(key=lambda r: (r[0], r[1]["crossing_point"], r[1]["plate"]))
    prefix = "RS-MUP" if agency == RS_MUP else "GB-NCA"
    scans, truth = [], []
    for n, (_, item, t) in enumerate(raw, start=1):
        sid = f"{prefix}-SCAN-{n:06d}"
        scans.append({"scan_id": sid, **item})
        truth.append([sid, *t])
    return scans, truth


# --- Detections --------------------------------------------------------------------------------


def build_detections(world: World, agency: str) -> Iterator[tuple[list[str], list[str]]]:
    """Border detection events (CSV rows) with their truth rows, in time order."""
    rng = random.Random(f"{world.seed}:{world.scale}:detections:{agency}")
    geo = world.geo
    home = _HOME[agency]
    groups = _group_of(world)
    raw: list[tuple[datetime, list[str], list[str]]] = []

    def detect(at: datetime, point_id: str, people: int, nationality: str, plate: str,
               phone: str, crossing: str, group: str, attempt: int) -> None:  # fmt: skip
        point = geo.crossings[point_id]
        lat, lon = _jitter(point.lat, point.lon, 2.0, rng)
        direction = "entry" if point.country_to == home else "exit"
        town = geo.places[point.place].name
        section = f"{point.country_from}–{point.country_to} border, {town} sector"
        if point.kind == "port":
            method = "checkpoint"
        elif point.kind == "sea":
            method = rng.choice(("patrol", "camera"))
        else:
            method = rng.choice(("patrol", "patrol", "camera", "drone", "thermal", "checkpoint"))
        row = [_stamp(at), f"{lat:.5f}", f"{lon:.5f}", section, point_id, home, direction,
               str(people), nationality, method, plate, phone]  # fmt: skip
        raw.append((at, row, [crossing, group, str(attempt)]))

    for cr in _crossings_seen_by(world, agency):
        group = groups[cr.group_id]
        dominant = max(group.nationalities.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if dominant == UNKNOWN_NATIONALITY:
            dominant = ""
        phones = [ln.number for pid in group.named for ln in world.people[pid].phones]
        tries = [*cr.failed_attempts, cr.at]
        for k, at in enumerate(tries):
            failed = k < len(tries) - 1
            p = 0.85 if failed else (0.9 if cr.mode in ("boat",) else 0.45)
            if cr.point == "FR-GB-DOVER":
                p = 0.4
            if rng.random() >= p:
                continue
            for _ in range(rng.choice((1, 1, 1, 2))):
                people = cr.people if rng.random() < 0.6 else rng.randint(1, cr.people)
                plate = world.vehicles[cr.vehicle_id].plate if cr.vehicle_id and (
                    rng.random() < 0.7) else ""  # fmt: skip
                phone = rng.choice(phones) if phones and rng.random() < 0.1 else ""
                when = (at + timedelta(minutes=rng.randint(0, 120))).replace(second=0)
                detect(when, cr.point, people, dominant, plate, phone, cr.id, cr.group_id,
                       0 if not failed else k + 1)  # fmt: skip
    points = sorted(p for p, c in geo.crossings.items() if home in (c.country_from, c.country_to))
    span = int((END - START).total_seconds() // 60)
    mix = [(iso3, n) for iso3, n in frontex_mix_2024() if iso3 != UNKNOWN_NATIONALITY]
    for _ in range(round((80 if home == "RS" else 20) * world.scale)):
        at = (START + timedelta(minutes=rng.randint(0, span))).replace(second=0)
        nat = rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]
        detect(at, rng.choice(points), rng.randint(1, 25), nat, "", "", "", "", 0)
    raw.sort(key=lambda r: (r[0], r[1][4]))
    prefix = "rs-mup" if agency == RS_MUP else "gb-nca"
    for n, (_, row, t) in enumerate(raw, start=1):
        did = f"{prefix}-det-{n:06d}"
        yield [did, *row], [did, *t]
