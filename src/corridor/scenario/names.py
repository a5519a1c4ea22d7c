"""Invented names for the route's peoples, in their own scripts, and how each agency writes them.

Every person is a random combination of a common given name and a common surname from the pools
below; no combination is meant to be anyone real, and surnames and given names borne by well-known
public figures or convicted criminals are left out of the pools on purpose.

The Serbian, Macedonian and Bulgarian transliteration tables are written out here because the
general-purpose transliterators get them wrong for people's names (ICU's Any-Latin turns Љ into
L̂, and ASCII folding turns Ђ into D where a British record writes DJ).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from normality import ascii_text


def _pool(words: str) -> list[str]:
    """A pool of names written as one space-separated string (easier to read and extend)."""
    return words.split()


@dataclass(frozen=True)
class NamePart:
    """One name part: its canonical (native-script) form and its usual romanisations."""

    native: str
    latin: tuple[str, ...]


@dataclass(frozen=True)
class PersonName:
    """A person's true name. `culture` decides script and how agencies transliterate it."""

    culture: str  # sr, mk, bg, bs, sq, tr, ar, af, ur, en
    given: NamePart
    surname: NamePart

    @property
    def canonical(self) -> str:
        return f"{self.given.native} {self.surname.native}"


# --- Pools -----------------------------------------------------------------------------------

_SR_GIVEN_M = _pool(
    "Мирослав Драган Зоран Горан Небојша Дејан Милош Никола Марко Стефан Владимир Бојан Срђан "
    "Душан Жељко Предраг Иван Ненад Милан Ђорђе Љубиша Бранислав Дарко Саша"
)
_SR_GIVEN_F = _pool("Јелена Марија Снежана Драгана Милица Ивана Сања Тамара Весна Љиљана Јована")
_SR_SURNAMES = _pool(
    "Јовановић Петровић Николић Марковић Ђорђевић Стојановић Илић Станковић Павловић Ђурић "
    "Костић Лазић Митровић Живковић Тодоровић Поповић Стевановић Савић Ристић Обрадовић Лукић "
    "Љубисављевић Ћирић Ђукић Жунић Гајић Џунић Васић Радојковић Милетић"
)

_MK_GIVEN_M = _pool(
    "Горан Зоран Дејан Бојан Никола Игор Влатко Трајче Ѓорѓи Кире Благоја Тони Дарко Методија "
    "Петре Ѓоко"
)
_MK_GIVEN_F = _pool("Марија Елена Билјана Катерина Марина Снежана")
_MK_SURNAMES = _pool(
    "Стојановски Трајковски Николовски Димитровски Петровски Ристовски Јовановски Илиевски "
    "Стефановски Ангеловски Тодоровски Костовски Ѓорѓиевски Спасовски Наумовски Андоновски "
    "Блажевски Митревски Ќосевски Ѕвездовски"
)

_BG_GIVEN_M = _pool(
    "Георги Иван Димитър Николай Стоян Петър Христо Тодор Васил Красимир Веселин Пламен"
)
_BG_GIVEN_F = _pool("Мария Елена Десислава Гергана Йорданка")
_BG_SURNAMES = _pool(
    "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Ангелов Атанасов "
    "Йорданов Колев Маринов Попов Щерев Ячев"
)

_BS_GIVEN_M = _pool(
    "Emir Adnan Amir Haris Jasmin Kenan Mirza Nermin Senad Edin Almir Dženan Samir Elvir Damir "
    "Muhamed"
)
_BS_GIVEN_F = _pool("Amra Lejla Selma Ajla Emina Merima")
_BS_SURNAMES = _pool(
    "Hodžić Hadžić Begić Delić Mehmedović Hasanović Kovačević Husić Selimović Omerović Mujić "
    "Alić Hamzić Salihović Softić Šabić Ćosić Mustafić Zukić Čaušević"
)

_SQ_GIVEN_M = _pool(
    "Arben Besnik Driton Ermal Gentian Ilir Kujtim Luan Shpëtim Agron Bujar Dritan Erion Flamur "
    "Genc Mentor"
)
_SQ_GIVEN_F = _pool("Valbona Arta Blerta Elira Mimoza Drita")
_SQ_SURNAMES = _pool(
    "Gashi Krasniqi Shala Morina Kelmendi Hasani Leka Dervishi Bytyqi Prifti Marku Çela Duka "
    "Kola Lika Mema Zeneli Hysa Deliu Brahimi Xhaferi Gjoka"
)

_TR_GIVEN_M = _pool(
    "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Yusuf Ömer Serkan Volkan "
    "Kemal Osman"
)
_TR_GIVEN_F = _pool("Ayşe Fatma Elif Zeynep Emine Hatice")
_TR_SURNAMES = _pool(
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek"
)

_EN_GIVEN_M = _pool("Lee Craig Ryan Kevin Gary Stephen Dean Wayne Jason Carl")
_EN_GIVEN_F = ["Kelly", "Joanne", "Lisa", "Claire"]
_EN_SURNAMES = _pool("Parker Hughes Walsh Turner Collins Ward Bennett Price Foster Barker Lloyd")

# Arabic-script names: (native, romanisations...) with the commonest romanisation first.
_AR_GIVEN_M: tuple[tuple[str, ...], ...] = (
    ("محمد", "Mohammed", "Muhammad", "Mohamed", "Muhamad", "Mohammad"),
    ("أحمد", "Ahmed", "Ahmad"),
    ("عمر", "Omar", "Umar"),
    ("خالد", "Khaled", "Khalid"),
    ("يوسف", "Youssef", "Yousef", "Yusuf", "Youcef"),
    ("محمود", "Mahmoud", "Mahmud", "Mahmood"),
    ("علي", "Ali"),
    ("حسين", "Hussein", "Hussain", "Husein", "Hossein"),
    ("إبراهيم", "Ibrahim", "Ebrahim", "Brahim"),
    ("مصطفى", "Mustafa", "Moustafa", "Mostafa"),
    ("عبد الله", "Abdullah", "Abdallah", "Abdulla"),
    ("كريم", "Karim", "Kareem"),
    ("سمير", "Samir", "Sameer"),
    ("طارق", "Tariq", "Tarek", "Tarik"),
    ("بلال", "Bilal"),
    ("حمزة", "Hamza", "Hamzah"),
    ("رامي", "Rami", "Ramy"),
    ("فادي", "Fadi", "Fady"),
    ("وليد", "Walid", "Waleed"),
    ("جمال", "Jamal", "Gamal", "Djamel"),
)
_AR_GIVEN_F: tuple[tuple[str, ...], ...] = (
    ("فاطمة", "Fatima", "Fatma", "Fatimah"),
    ("عائشة", "Aisha", "Aicha", "Ayesha"),
    ("مريم", "Mariam", "Maryam", "Meriem"),
    ("نور", "Nour", "Noor", "Nur"),
    ("ليلى", "Layla", "Leila", "Laila"),
    ("زينب", "Zainab", "Zeinab", "Zaynab"),
    ("أمل", "Amal"),
    ("هبة", "Heba", "Hiba"),
)
_AR_SURNAMES_LEVANT: tuple[tuple[str, ...], ...] = (
    ("الحسن", "al-Hassan", "Alhasan", "El Hassan", "Al Hasan"),
    ("الأحمد", "al-Ahmad", "Alahmad", "Al Ahmed", "El Ahmad"),
    ("الخطيب", "al-Khatib", "Alkhatib", "El Khatib", "Al Khateeb"),
    ("حداد", "Haddad", "Hadad"),
    ("العلي", "al-Ali", "Alali", "Al Ali"),
    ("الحلبي", "al-Halabi", "Alhalabi", "El Halabi"),
    ("درويش", "Darwish", "Darweesh"),
    ("خليل", "Khalil", "Khaleel"),
    ("النجار", "al-Najjar", "Alnajjar", "Al Najar"),
    ("الصالح", "al-Saleh", "Alsaleh", "Al Salih"),
    ("حمدان", "Hamdan"),
    ("سليمان", "Suleiman", "Sulaiman", "Soliman"),
    ("الشامي", "al-Shami", "Alshami", "El Chami"),
    ("يونس", "Younes", "Yunis", "Younis"),
)
_AR_SURNAMES_IRAQ: tuple[tuple[str, ...], ...] = (
    ("الجبوري", "al-Jubouri", "Aljuburi", "Al Jaburi", "Al-Jibouri"),
    ("العبيدي", "al-Obaidi", "Alubaidi", "Al Obeidi"),
    ("الدليمي", "al-Dulaimi", "Aldulaimi", "Al Dulaymi"),
    ("الكردي", "al-Kurdi", "Alkurdi", "Kurdi"),
    ("عثمان", "Othman", "Osman", "Uthman"),
    ("الربيعي", "al-Rubaie", "Alrubaie", "Al Rubaiy"),
)
_AR_SURNAMES_EGYPT: tuple[tuple[str, ...], ...] = (
    ("المصري", "al-Masri", "Almasri", "El Masry", "Al Masri"),
    ("عبد الرحمن", "Abdelrahman", "Abdul Rahman", "Abdel Rahman"),
    ("سعيد", "Saeed", "Said", "Saied"),
    ("منصور", "Mansour", "Mansur"),
)
_AR_SURNAMES_MAGHREB: tuple[tuple[str, ...], ...] = (
    ("العمراني", "El Amrani", "Alamrani", "Al-Amrani"),
    ("بنعلي", "Benali", "Ben Ali"),
    ("بوزيد", "Bouzid", "Bouzeid"),
    ("الإدريسي", "El Idrissi", "Idrissi", "Al-Idrisi"),
    ("بناني", "Bennani", "Benani"),
    ("الوردي", "El Ouardi", "Alwardi"),
    ("الشرقاوي", "Cherkaoui", "Charkaoui", "El Sharqawi"),
)

_AF_GIVEN_M: tuple[tuple[str, ...], ...] = (
    ("احمد", "Ahmad", "Ahmed"),
    ("محمد", "Mohammad", "Mohammed", "Muhammad"),
    ("ذبیح الله", "Zabiullah", "Zabihullah", "Zabihollah"),
    ("رحمت الله", "Rahmatullah", "Rahmatulla", "Rahmatollah"),
    ("صفی الله", "Safiullah", "Safi Ullah"),
    ("نصیر", "Nasir", "Naseer", "Nasser"),
    ("جواد", "Jawad", "Javad"),
    ("فرید", "Farid", "Fareed"),
    ("واحد", "Wahid", "Waheed", "Vahid"),
    ("سید", "Sayed", "Sayyed", "Syed"),
    ("اسماعیل", "Ismail", "Esmail", "Ismael"),
    ("گل", "Gul", "Gol"),
    ("شفیق", "Shafiq", "Shafique"),
    ("عزیز", "Aziz"),
    ("قادر", "Qadir", "Kadir", "Ghader"),
    ("بصیر", "Basir", "Baseer"),
    ("مرتضی", "Murtaza", "Mortaza", "Morteza"),
)
_AF_GIVEN_F: tuple[tuple[str, ...], ...] = (
    ("فرشته", "Fereshta", "Freshta", "Fereshteh"),
    ("مریم", "Maryam", "Mariam"),
    ("زهرا", "Zahra", "Sahra"),
    ("شبنم", "Shabnam"),
    ("لیلا", "Laila", "Leila"),
    ("پروین", "Parwin", "Parveen"),
)
_AF_SURNAMES: tuple[tuple[str, ...], ...] = (
    ("نوری", "Noori", "Nuri", "Noorie"),
    ("رحیمی", "Rahimi", "Rahemi"),
    ("حکیمی", "Hakimi", "Hakeemi"),
    ("امیری", "Amiri", "Ameeri"),
    ("هاشمی", "Hashimi", "Hashemi", "Hashimy"),
    ("محمدی", "Mohammadi", "Muhammadi", "Mohamadi"),
    ("سلطانی", "Sultani", "Soltani"),
    ("صافی", "Safi"),
    ("شینواری", "Shinwari", "Shinwary"),
    ("منگل", "Mangal"),
    ("جلالی", "Jalali", "Djalali"),
    ("احمدی", "Ahmadi", "Ahmady"),
    ("قربانی", "Qurbani", "Ghorbani", "Kurbani"),
    ("حیدری", "Haidari", "Heydari", "Haydari"),
    ("رضایی", "Rezaei", "Rezai", "Rezaee"),
    ("کریمی", "Karimi", "Kareemi"),
    ("عزیزی", "Azizi"),
)

_UR_GIVEN_M: tuple[tuple[str, ...], ...] = (
    ("محمد", "Muhammad", "Mohammad", "Muhammed"),
    ("عثمان", "Usman", "Osman", "Usmaan"),
    ("بلال", "Bilal"),
    ("آصف", "Asif", "Aasif"),
    ("کاشف", "Kashif"),
    ("نوید", "Naveed", "Navid"),
    ("شاہد", "Shahid", "Shahed"),
    ("وقاص", "Waqas", "Waqqas"),
    ("ذیشان", "Zeeshan", "Zishan"),
    ("فیصل", "Faisal", "Faysal"),
)
_UR_GIVEN_F: tuple[tuple[str, ...], ...] = (
    ("عائشہ", "Ayesha", "Aisha"),
    ("صائمہ", "Saima"),
    ("نازیہ", "Nazia"),
)
_UR_SURNAMES: tuple[tuple[str, ...], ...] = (
    ("حسین", "Hussain", "Hussein", "Husain"),
    ("احمد", "Ahmed", "Ahmad"),
    ("اقبال", "Iqbal", "Ikbal"),
    ("ملک", "Malik"),
    ("بٹ", "Butt", "Bhatt"),
    ("چوہدری", "Chaudhry", "Chaudhary", "Choudhry"),
    ("رضا", "Raza"),
    ("جاوید", "Javed", "Javaid"),
    ("اختر", "Akhtar", "Akhter"),
    ("قریشی", "Qureshi", "Kureshi", "Quraishi"),
    ("مرزا", "Mirza"),
    ("رانا", "Rana"),
)

_NICKNAMES: dict[str, tuple[str, ...]] = {
    "sr": ("Мики", "Шваба", "Ћора", "Паја", "Жућа", "Цига", "Буца", "Лала"),
    "mk": ("Кики", "Тоше", "Баце", "Ѓоко"),
    "bg": ("Гошо", "Пешо", "Ицо", "Тошо"),
    "bs": ("Beli", "Hodža", "Dado", "Kenjo"),
    "sq": ("Tani", "Biri", "Lulzi", "Cimi"),
    "tr": ("Abi", "Reis", "Hoca", "Dayı"),
    "en": ("Spike", "Tonka", "Big Lee", "Gaz"),
}


def _cyr_parts(names: list[str], to_latin: dict[str, str]) -> tuple[NamePart, ...]:
    return tuple(NamePart(n, (transliterate(n, to_latin),)) for n in names)


def _lat_parts(names: list[str]) -> tuple[NamePart, ...]:
    return tuple(NamePart(n, (n,)) for n in names)


def _arabic_parts(names: tuple[tuple[str, ...], ...]) -> tuple[NamePart, ...]:
    return tuple(NamePart(n[0], tuple(n[1:])) for n in names)


# --- Transliteration tables --------------------------------------------------------------------

#: Serbian Cyrillic to Serbian Latin (the official one-to-one correspondence).
SR_CYR_TO_LAT: dict[str, str] = dict(
    zip(
        "АБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШабвгдђежзијклљмнњопрстћуфхцчџш",
        _pool(
            "A B V G D Đ E Ž Z I J K L Lj M N Nj O P R S T Ć U F H C Č Dž Š "
            "a b v g d đ e ž z i j k l lj m n nj o p r s t ć u f h c č dž š"
        ),
        strict=True,
    )
)
#: Macedonian Cyrillic to Latin as on Macedonian passports.
MK_CYR_TO_LAT: dict[str, str] = dict(
    zip(
        "АБВГДЃЕЖЗЅИЈКЛЉМНЊОПРСТЌУФХЦЧЏШабвгдѓежзѕијклљмнњопрстќуфхцчџш",
        _pool(
            "A B V G D Gj E Zh Z Dz I J K L Lj M N Nj O P R S T Kj U F H C Ch Dzh Sh "
            "a b v g d gj e zh z dz i j k l lj m n nj o p r s t kj u f h c ch dzh sh"
        ),
        strict=True,
    )
)
#: Bulgarian Cyrillic to Latin (the Streamlined System used on Bulgarian documents).
BG_CYR_TO_LAT: dict[str, str] = dict(
    zip(
        "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯабвгдежзийклмнопрстуфхцчшщъьюя",
        _pool(
            "A B V G D E Zh Z I Y K L M N O P R S T U F H Ts Ch Sh Sht A Y Yu Ya "
            "a b v g d e zh z i y k l m n o p r s t u f h ts ch sh sht a y yu ya"
        ),
        strict=True,
    )
)
#: Macedonian and Bulgarian letters as a Serbian clerk writes them in Serbian Cyrillic.
MK_TO_SR_CYR = {"Ѓ": "Ђ", "ѓ": "ђ", "Ќ": "Ћ", "ќ": "ћ", "Ѕ": "Дз", "ѕ": "дз"}
BG_TO_SR_CYR = {
    "Й": "Ј",
    "й": "ј",
    "Ъ": "А",
    "ъ": "а",
    "Щ": "Шт",
    "щ": "шт",
    "Ю": "Ју",
    "ю": "ју",
    "Я": "Ја",
    "я": "ја",
    "Ь": "",
    "ь": "",
}

_SR_LAT_TO_CYR: dict[str, str] = {}
for _c, _l in SR_CYR_TO_LAT.items():
    _SR_LAT_TO_CYR[_l] = _c
    if len(_l) == 2 and _c.isupper():
        _SR_LAT_TO_CYR[_l.upper()] = _c
_SR_LAT_TO_CYR.update(
    {"Q": "К", "q": "к", "W": "В", "w": "в", "X": "Кс", "x": "кс", "Y": "Ј", "y": "ј"}
)


def transliterate(text: str, table: dict[str, str]) -> str:
    """Letter-by-letter transliteration; characters outside the table pass through."""
    return "".join(table.get(ch, ch) for ch in text)


def sr_latin_to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic, reading the digraphs lj, nj and dž as single letters."""
    out: list[str] = []
    i = 0
    while i < len(text):
        two = text[i : i + 2]
        if two in _SR_LAT_TO_CYR and len(two) == 2:
            out.append(_SR_LAT_TO_CYR[two])
            i += 2
            continue
        out.append(_SR_LAT_TO_CYR.get(text[i], text[i]))
        i += 1
    return "".join(out)


def gb_ascii(text: str) -> str:
    """A British clerk's spelling of a Latin-script name: no diacritics, Đ written DJ."""
    text = text.replace("Đ", "Dj").replace("đ", "dj")
    return ascii_text(text) or text


# Rules for writing foreign romanisations the Serbian way, longest first within each culture.
_SR_TRANSCRIBE_COMMON = (
    ("sch", "š"),
    ("sh", "š"),
    ("ch", "č"),
    ("kh", "h"),
    ("gh", "g"),
    ("dh", "d"),
    ("th", "t"),
    ("zh", "ž"),
    ("ph", "f"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("aa", "a"),
    ("ck", "k"),
    ("dj", "dž"),
    ("j", "dž"),
    ("y", "j"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
)
_SR_TRANSCRIBE: dict[str, tuple[tuple[str, str], ...]] = {
    "tr": (
        ("ç", "č"),
        ("ş", "š"),
        ("c", "dž"),
        ("ğ", ""),
        ("ı", "i"),
        ("i̇", "i"),
        ("ö", "e"),
        ("ü", "i"),
        ("y", "j"),
        ("â", "a"),
    ),
    "en": (("c", "k"), *_SR_TRANSCRIBE_COMMON),
    "sq": (
        ("xh", "dž"),
        ("gj", "đ"),
        ("sh", "š"),
        ("zh", "ž"),
        ("th", "t"),
        ("dh", "d"),
        ("ll", "l"),
        ("rr", "r"),
        ("ç", "č"),
        ("q", "ć"),
        ("x", "dz"),
        ("y", "i"),
        ("ë", "e"),
    ),
}


def sr_transcribe(text: str, culture: str) -> str:
    """Write a foreign Latin-script name as a Serbian clerk would, in Serbian Latin.

    Serbian spells foreign names phonetically (Jamal → Džamal, Shahid → Šahid, Krasniqi →
    Krasnići); no library does this, and the rules below cover the romanisations in the pools.
    """
    rules = _SR_TRANSCRIBE.get(culture, _SR_TRANSCRIBE_COMMON)
    words = []
    for word in text.replace("-", " ").split():
        low = word.lower()
        if culture == "sq" and low.endswith("ë"):
            low = low[:-1]
        elif culture not in _SR_TRANSCRIBE and low.endswith("y") and low[-2:-1] not in "aeiou":
            low = low[:-1] + "i"  # Chaudhry → Čaudri
        res = []
        i = 0
        while i < len(low):
            for src, dst in rules:
                if low.startswith(src, i):
                    res.append(dst)
                    i += len(src)
                    break
            else:
                ch = low[i]
                # Doubled consonants are written once in Serbian.
                if not (res and res[-1] == ch and ch not in "aeiou"):
                    res.append(ch)
                i += 1
        out = "".join(res)
        words.append(out[:1].upper() + out[1:])
    return " ".join(words)


# --- Cultures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Culture:
    """Name pools of one naming tradition."""

    code: str
    script: str  # Cyrl, Latn or Arab: the script of the canonical form
    given_m: tuple[NamePart, ...]
    given_f: tuple[NamePart, ...]
    surnames: tuple[NamePart, ...]


def _cultures() -> dict[str, Culture]:
    return {
        "sr": Culture(
            "sr",
            "Cyrl",
            _cyr_parts(_SR_GIVEN_M, SR_CYR_TO_LAT),
            _cyr_parts(_SR_GIVEN_F, SR_CYR_TO_LAT),
            _cyr_parts(_SR_SURNAMES, SR_CYR_TO_LAT),
        ),
        "mk": Culture(
            "mk",
            "Cyrl",
            _cyr_parts(_MK_GIVEN_M, MK_CYR_TO_LAT),
            _cyr_parts(_MK_GIVEN_F, MK_CYR_TO_LAT),
            _cyr_parts(_MK_SURNAMES, MK_CYR_TO_LAT),
        ),
        "bg": Culture(
            "bg",
            "Cyrl",
            _cyr_parts(_BG_GIVEN_M, BG_CYR_TO_LAT),
            _cyr_parts(_BG_GIVEN_F, BG_CYR_TO_LAT),
            _cyr_parts(_BG_SURNAMES, BG_CYR_TO_LAT),
        ),
        "bs": Culture(
            "bs", "Latn", _lat_parts(_BS_GIVEN_M), _lat_parts(_BS_GIVEN_F), _lat_parts(_BS_SURNAMES)
        ),
        "sq": Culture(
            "sq", "Latn", _lat_parts(_SQ_GIVEN_M), _lat_parts(_SQ_GIVEN_F), _lat_parts(_SQ_SURNAMES)
        ),
        "tr": Culture(
            "tr", "Latn", _lat_parts(_TR_GIVEN_M), _lat_parts(_TR_GIVEN_F), _lat_parts(_TR_SURNAMES)
        ),
        "en": Culture(
            "en", "Latn", _lat_parts(_EN_GIVEN_M), _lat_parts(_EN_GIVEN_F), _lat_parts(_EN_SURNAMES)
        ),
        "ar-levant": Culture(
            "ar",
            "Arab",
            _arabic_parts(_AR_GIVEN_M),
            _arabic_parts(_AR_GIVEN_F),
            _arabic_parts(_AR_SURNAMES_LEVANT),
        ),
        "ar-iraq": Culture(
            "ar",
            "Arab",
            _arabic_parts(_AR_GIVEN_M),
            _arabic_parts(_AR_GIVEN_F),
            _arabic_parts(_AR_SURNAMES_IRAQ),
        ),
        "ar-egypt": Culture(
            "ar",
            "Arab",
            _arabic_parts(_AR_GIVEN_M),
            _arabic_parts(_AR_GIVEN_F),
            _arabic_parts(_AR_SURNAMES_EGYPT),
        ),
        "ar-maghreb": Culture(
            "ar",
            "Arab",
            _arabic_parts(_AR_GIVEN_M),
            _arabic_parts(_AR_GIVEN_F),
            _arabic_parts(_AR_SURNAMES_MAGHREB),
        ),
        "af": Culture(
            "af",
            "Arab",
            _arabic_parts(_AF_GIVEN_M),
            _arabic_parts(_AF_GIVEN_F),
            _arabic_parts(_AF_SURNAMES),
        ),
        "ur": Culture(
            "ur",
            "Arab",
            _arabic_parts(_UR_GIVEN_M),
            _arabic_parts(_UR_GIVEN_F),
            _arabic_parts(_UR_SURNAMES),
        ),
    }


CULTURES = _cultures()

#: Naming tradition by nationality (ISO 3166-1 alpha-2); people of other nationalities get no
#: individual name in the scenario (they appear only in group counts).
CULTURE_OF: dict[str, tuple[str, ...]] = {
    "RS": ("sr",),
    "ME": ("sr",),
    "MK": ("mk", "mk", "sq"),
    "BG": ("bg",),
    "BA": ("bs",),
    "AL": ("sq",),
    "XK": ("sq",),
    "TR": ("tr",),
    "SY": ("ar-levant",),
    "LB": ("ar-levant",),
    "JO": ("ar-levant",),
    "PS": ("ar-levant",),
    "IQ": ("ar-iraq",),
    "EG": ("ar-egypt",),
    "MA": ("ar-maghreb",),
    "DZ": ("ar-maghreb",),
    "TN": ("ar-maghreb",),
    "AF": ("af",),
    "IR": ("af",),
    "PK": ("ur",),
    "GB": ("en", "en", "ar-iraq", "af", "ur"),
}


# Combinations of pool names that are the names of well-known people (politicians, athletes,
# artists, convicted criminals). The scenario attaches smuggling intelligence to every name it
# draws, so these are never drawn.
_AVOID: frozenset[tuple[str, str]] = frozenset(
    (
        ("Драган", "Марковић"), ("Зоран", "Ђорђевић"), ("Ненад", "Поповић"),
        ("Дејан", "Станковић"), ("Мирослав", "Илић"), ("Милан", "Лукић"),
        ("Зоран", "Живковић"), ("Милан", "Станковић"), ("Саша", "Илић"),
        ("Горан", "Марковић"), ("Драган", "Јовановић"), ("Милош", "Јовановић"),
        ("Владимир", "Петровић"), ("Предраг", "Марковић"), ("Марко", "Николић"),
        ("Душан", "Петровић"), ("Горан", "Стефановски"), ("Влатко", "Илиевски"),
        ("Георги", "Иванов"), ("Петър", "Стоянов"), ("Ali", "Koç"), ("Burak", "Yılmaz"),
        ("Emre", "Aydın"), ("Murat", "Yıldırım"), ("Ahmet", "Kaya"), ("Hüseyin", "Çelik"),
        ("Mehmet", "Şimşek"), ("Fatma", "Şahin"), ("Mustafa", "Doğan"), ("Mehmet", "Aydın"),
        ("محمود", "درويش"), ("عمر", "سليمان"), ("أحمد", "منصور"), ("محمد", "منصور"),
        ("محمد", "اقبال"), ("آصف", "اقبال"), ("فیصل", "قریشی"), ("Wayne", "Bennett"),
        ("Jason", "Collins"), ("Stephen", "Ward"), ("Craig", "Foster"),
    )
)  # fmt: skip


def avoided(name: PersonName) -> bool:
    """True when a drawn combination is a well-known person's name (see `_AVOID`)."""
    return (name.given.native, name.surname.native) in _AVOID


def random_name(nationality: str, gender: str, rng: random.Random) -> PersonName:
    """Draw an invented name fitting a nationality: one given name and one surname."""
    culture = CULTURES[rng.choice(CULTURE_OF[nationality])]
    while True:
        given = rng.choice(culture.given_f if gender == "female" else culture.given_m)
        name = PersonName(culture.code, given, rng.choice(culture.surnames))
        if not avoided(name):
            return name


def nickname(name: PersonName, rng: random.Random, female: bool = False) -> str | None:
    """A street name; Arab and Afghan adults are often known by a kunya (Abu/Umm + a son)."""
    if name.culture in ("ar", "af", "ur"):
        son = rng.choice(CULTURES["ar-levant"].given_m).latin[0]
        return f"{'Umm' if female else 'Abu'} {son}"
    pool = _NICKNAMES.get(name.culture)
    return rng.choice(pool) if pool else None


# --- How agencies write names -----------------------------------------------------------------


def english_part(part: NamePart, culture: str, rng: random.Random) -> str:
    """How a British record writes one name part: Latin script, no diacritics."""
    if culture in ("sr", "mk", "bg"):
        return gb_ascii(part.latin[0])
    if culture in ("ar", "af", "ur"):
        return _pick_romanisation(part, rng)
    return gb_ascii(part.native)


def _pick_romanisation(part: NamePart, rng: random.Random) -> str:
    # The commonest spelling half the time, any other listed spelling otherwise.
    if len(part.latin) == 1 or rng.random() < 0.5:
        return part.latin[0]
    return rng.choice(part.latin[1:])


def serbian_part(part: NamePart, culture: str, script: str, rng: random.Random) -> str:
    """How a Serbian record writes one name part, in Cyrillic (`Cyrl`) or Latin (`Latn`).

    Serbian names keep their spelling; Macedonian and Bulgarian names are adapted to Serbian
    Cyrillic; foreign Latin-script names are transcribed phonetically; Arabic-script names go
    through the romanisation in the person's passport first.
    """
    if culture == "sr":
        return part.native if script == "Cyrl" else part.latin[0]
    if culture in ("mk", "bg"):
        table = MK_TO_SR_CYR if culture == "mk" else BG_TO_SR_CYR
        cyr = transliterate(part.native, table)
        return cyr if script == "Cyrl" else transliterate(cyr, SR_CYR_TO_LAT)
    if culture == "bs":
        return sr_latin_to_cyrillic(part.native) if script == "Cyrl" else part.native
    source = _pick_romanisation(part, rng) if culture in ("ar", "af", "ur") else part.native
    latin = sr_transcribe(source, culture)
    return sr_latin_to_cyrillic(latin) if script == "Cyrl" else latin


def script_of(text: str) -> str:
    """The dominant script of a string: Cyrl, Arab, Latn (or Zyyy when it has no letters)."""
    counts = {"Cyrl": 0, "Arab": 0, "Latn": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        uname = unicodedata.name(ch, "")
        if uname.startswith("CYRILLIC"):
            counts["Cyrl"] += 1
        elif uname.startswith("ARABIC"):
            counts["Arab"] += 1
        elif uname.startswith("LATIN"):
            counts["Latn"] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "Zyyy"


_VOWELS = {"Latn": "aeiou", "Cyrl": "аеиоу"}


def typo(text: str, rng: random.Random) -> str:
    """One keying error: two letters swapped, one dropped, doubled or a vowel mistyped."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0 and text[i - 1].isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters)
    op = rng.randrange(4)
    if op == 0 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    vowels = _VOWELS.get(script_of(text), "")
    if text[i] in vowels:
        return text[:i] + rng.choice([v for v in vowels if v != text[i]]) + text[i + 1 :]
    return text[:i] + text[i] + text[i:]
