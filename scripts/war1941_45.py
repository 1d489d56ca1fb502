"""Write the data files of the built-in scenario ``war1941_45`` (all but ``scenario.toml``).

    python scripts/war1941_45.py [DIRECTORY]   # default: src/councilplan/scenarios/builtin/war1941_45

The CSV files are what the model reads; this script is how they were made, so that every number in
them can be traced to a published figure (``sources.csv``, ``actual.csv``) or to an assumption stated
here and ranged in ``scenario.toml``. ``tests/scenarios/test_war1941_45.py`` checks that the files
in the package are exactly what this script writes. Change a number here, run the script, and
commit both.

Units are per quarter. Periods 1..18 are 1941 Q3 .. 1945 Q4 (1941 H2 = 1-2, 1942 = 3-6, ...).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "src" / "councilplan" / "scenarios" / "builtin" / "war1941_45"

# ------------------------------------------------------------------ technology (capital.csv, inputs.csv, ...)
T = 18
NAMES = [f"{1941 + (q + 2) // 4} Q{(q + 2) % 4 + 1}" for q in range(T)]
assert NAMES[0] == "1941 Q3" and NAMES[-1] == "1945 Q4", NAMES
REGIONS = ["west", "south", "east"]
RNAME = {"west": "in the territory occupied in 1941", "south": "in the territory occupied in summer 1942",
         "east": "in the never-occupied east (Volga, Urals, Siberia, Central Asia, Transcaucasia)"}

# good: name, unit, 1940 output a quarter (the nation's plant), region shares (west, south, east).
# 1940 output: sources.csv output_1940*, aluminium_1940; munitions: the 1941 H1 rate (tanks 1,334 heavy and
# medium in 1941 H1 = 4,153 in 1941 - 2,819 in H2; aircraft 15,737 / 2.6 for H1; guns ~ 10.6 k in H1).
# west + south = the published loss with the occupied territory (sources.csv: occupation_losses: pig iron
# 71 %, steel 58 %, coal 63 %, electricity 42 %; occupation_aluminium_grain: aluminium > 60 %, grain 38 %);
# oil: Maikop in the south, Baku in the east; war industry: over 80 % of it in the front-line zone
# (94 % of aircraft plants, evacuation notes); every other share is an assumption
G = {
 "coal": ("coal", "Mt", 165.9 / 4, (0.58, 0.05, 0.37)),
 "oil": ("crude oil", "Mt", 31.1 / 4, (0.0, 0.12, 0.88)),
 "electricity": ("electricity", "bn kWh", 48.3 / 4, (0.38, 0.04, 0.58)),
 "pig_iron": ("pig iron", "Mt", 14.9 / 4, (0.71, 0.0, 0.29)),
 "steel": ("steel", "Mt", 18.3 / 4, (0.58, 0.0, 0.42)),
 "aluminium": ("aluminium", "kt", 60.0 / 4, (0.60, 0.0, 0.40)),
 "machinery": ("machinery (index, 1940 = 100 a year)", "index", 100.0 / 4, (0.50, 0.05, 0.45)),
 "tanks": ("heavy and medium tanks", "vehicles", 700.0, (0.75, 0.20, 0.05)),
 "light_tanks": ("light tanks and self-propelled guns", "vehicles", 500.0, (0.60, 0.0, 0.40)),
 "aircraft": ("aircraft", "aircraft", 3000.0, (0.80, 0.0, 0.20)),
 "guns": ("guns of all calibres", "thousand guns", 5.0, (0.60, 0.0, 0.40)),
 "ammunition": ("artillery shells", "million", 24.0, (0.75, 0.05, 0.20)),
 "grain": ("grain", "Mt", 95.6 / 4, (0.28, 0.10, 0.62)),
 "consumer": ("consumer goods (index, 1940 = 100 a year)", "index", 100.0 / 4, (0.50, 0.08, 0.42)),
 "transport": ("transport services (index, 1940 = 100 a year)", "index", 100.0 / 4, (0.45, 0.08, 0.47)),
}
# inputs per unit of output (good: {input: amount}); assumptions, scaled together by material_intensity.
# Check against 1940: coal used in production ~ 115 of 166 Mt (the rest is the civilian basket), aluminium
# 10,565 aircraft x 4.5 t + machinery 100 x 0.2 kt ~ 68 kt against ~ 60 kt supplied (sources.csv)
A = {
 "coal": {"electricity": 0.025, "machinery": 0.02, "transport": 0.2},
 "oil": {"electricity": 0.03, "machinery": 0.05, "transport": 0.1},
 "electricity": {"coal": 0.45, "oil": 0.03},
 "pig_iron": {"coal": 1.4, "electricity": 0.05, "transport": 0.6},
 "steel": {"pig_iron": 0.65, "coal": 0.4, "electricity": 0.15, "transport": 0.3},
 "aluminium": {"electricity": 0.018, "transport": 0.01},
 "machinery": {"steel": 0.08, "pig_iron": 0.03, "aluminium": 0.2, "electricity": 0.05, "coal": 0.1, "transport": 0.05},
 "tanks": {"steel": 6e-5, "aluminium": 6e-4, "guns": 1e-3, "electricity": 5e-5, "machinery": 4e-4, "oil": 1e-5, "transport": 2e-4},
 "light_tanks": {"steel": 2.5e-5, "aluminium": 2e-4, "guns": 1e-3, "electricity": 2e-5, "machinery": 1.5e-4, "transport": 1e-4},
 "aircraft": {"aluminium": 4.5e-3, "steel": 4e-6, "electricity": 2e-5, "machinery": 3e-4, "transport": 1e-4},
 "guns": {"steel": 3e-3, "electricity": 3e-3, "machinery": 0.03, "transport": 2e-3},
 "ammunition": {"steel": 0.015, "pig_iron": 0.005, "aluminium": 0.05, "electricity": 0.01, "coal": 0.02, "transport": 0.01},
 "grain": {"oil": 0.05, "machinery": 0.01, "transport": 0.05},
 "consumer": {"grain": 0.1, "electricity": 0.05, "coal": 0.1, "transport": 0.05},
 "transport": {"coal": 0.45, "oil": 0.05, "machinery": 0.02, "steel": 0.01},
}
# workers (million, per unit of output a quarter: war1941's 1940 coefficients, munitions from plant labour)
# and capital (machinery index per unit of output a quarter): assumptions, ranged by capital_output
WORKERS = {"coal": 0.0263, "oil": 0.0321, "electricity": 0.0258, "pig_iron": 0.12, "steel": 0.107,
           "aluminium": 0.00624, "machinery": 0.1248, "tanks": 5e-5, "light_tanks": 2.5e-5, "aircraft": 8.8e-5,
           "guns": 0.0125, "ammunition": 0.025, "grain": 0.02, "consumer": 0.1872, "transport": 0.1248}
KOLKHOZ = {"grain": 0.66}
CAPITAL = {"coal": 0.1333, "oil": 0.6667, "electricity": 1.3333, "pig_iron": 0.8, "steel": 0.6, "aluminium": 0.0667,
           "machinery": 4.0, "tanks": 0.004, "light_tanks": 0.002, "aircraft": 0.00267, "guns": 0.4,
           "ammunition": 1.11, "grain": 1.3333, "consumer": 13.333, "transport": 2.6667}
WAR = ["tanks", "light_tanks", "aircraft", "guns", "ammunition"]


# ------------------------------------------------------------------ time (schedule.csv)
YEAR = {1: "1941H2", 2: "1941H2"} | {t: str(1942 + (t - 3) // 4) for t in range(3, T + 1)}
# workers and employees, million (sources.csv: workers_*); quarters of 1941 between 31.2 (1940) and 19.8 (Nov 1941)
WORKERS_M = {"1941Q3": 24.6, "1941Q4": 20.0, "1942": 18.4, "1943": 19.4, "1944": 23.6, "1945": 27.3}
def workers(t):
    return WORKERS_M["1941Q3"] if t == 1 else WORKERS_M["1941Q4"] if t == 2 else WORKERS_M[YEAR[t]]
# population under Soviet control, million (130 in 1942, 143 in 1943: sources.csv; other quarters interpolated)
POP = [170, 135, 130, 130, 125, 125, 133, 143, 150, 160, 170, 178, 186, 190, 192, 193, 193, 193]
# armed forces, million (11.0 in May 1942, 11.365 in May 1945: sources.csv; 1941 and demobilisation assumed)
ARMY = [7.5, 8.0, 10.0, 11.0, 11.0, 11.0, 11.2, 11.2, 11.2, 11.2, 11.4, 11.4, 11.4, 11.4, 11.4, 11.4, 10.0, 8.0]
# irrecoverable losses a quarter (Krivosheev 1997; sources.csv: losses_*): heavy+medium, light+SP, aircraft, guns (k)
LOSS = {  # year: (tanks and SP guns, light share, combat aircraft, guns and mortars (thousand)): Krivosheev
 "1941H2": (20500, 17300 / 20500, 17900, 101.0),
 "1942": (15100, 0.5, 12100, 43.0), "1943": (23500, (6400 + 1200) / 23500, 22500, 66.9),
 "1944": (23700, 0.35, 24800, 67.5), "1945": (13700, 0.35, 11000, 39.0)}
# build-up of the field army (sources.csv: field_army_*): Dec 1941 -> Nov 1942 -> Jul 1943, a year's worth
BUILD = {"1942": (5900, 2500, 61.0), "1943": (2850, 5650, 27.0)}
ALL_CAUSES = 106400 / 88300  # aircraft lost to all causes / combat types (sources.csv: aircraft_losses_all)
Q1945 = {15: 0.5, 16: 0.45, 17: 0.05, 18: 0.0}  # 1945: the war in Europe ends in May, in Manchuria in August
GUN_SHARE = 0.5  # guns among guns and mortars lost and built up (an assumption)
def army_weapons(t):
    tanks_sp, light, air, guns = LOSS[YEAR[t]]
    b_t, b_a, b_g = BUILD.get(YEAR[t], (0.0, 0.0, 0.0))
    share = 0.5 if t <= 2 else Q1945[t] if t >= 15 else 0.25
    tanks_sp, air, guns = tanks_sp + b_t, air * ALL_CAUSES + b_a, guns + b_g
    return (tanks_sp * (1 - light) * share, tanks_sp * light * share, air * share, guns * share * GUN_SHARE)
# the basket: army needs per million soldiers and civilian needs per million people, a quarter
ARMY_PER = {"grain": 0.2, "oil": 0.1, "consumer": 0.5, "transport": 0.6, "ammunition": 2.7}
CIVIL_PER = {"grain": 0.06, "coal": 0.065, "electricity": 0.036, "oil": 0.023, "consumer": 0.122, "transport": 0.045}
AUSTERITY = 0.5  # wartime civilian needs as a share of 1940 final use per head (an assumption; scenario.toml)
# Lend-Lease as imports (sources.csv: ll_*), spread by a delivery profile (share of each total a quarter):
# 13 % arrived in 1941-42, 23 % in 1943, 64 % in 1944-45 (sources.csv: ll_arrival); 1944 : 1945 = 3 : 1 assumed
PROFILE = {2: 0.01} | {t: 0.03 for t in range(3, 7)} | {t: 0.0575 for t in range(7, 11)} | \
          {t: 0.12 for t in range(11, 15)} | {15: 0.08, 16: 0.08}
LL = {"aluminium": 328.1, "oil": 2.67, "grain": 4.5, "tanks": 0.6 * 12700, "light_tanks": 0.4 * 12700,
      "aircraft": 14000.0}

# ------------------------------------------------------------------ published output (actual.csv)
SPAN = {"1941H2": (1, 2), "1942": (3, 6), "1943": (7, 10), "1944": (11, 14), "1945": (15, 18)}


def checked(url: str, quote: str) -> str:
    return f"verified: {url} ('{quote}')"


NF_ACTUAL = ("not found in the stored pages: the figure as commonly cited from Narodnoe khozyaistvo SSSR v Velikoi "
      "Otechestvennoi voine 1941-1945 gg. (Goskomstat 1990) and Harrison, Accounting for War (1996); check against the book")
NK = "Narodnoe khozyaistvo SSSR v Velikoi Otechestvennoi voine 1941-1945 gg. (Goskomstat 1990)"
ACTUAL = [
 # good, variant, period, value, source, checked
 ("coal", "", "1942", 75.5, "Soviet economic history of the war, booksonline.com.ua book 92900 p. 89", checked("https://booksonline.com.ua/view.php?book=92900&page=89", "составила 75,5 млн. т против 165,9 млн. т в 1940 г.")),
 ("coal", "", "1943", 93.1, NK, NF_ACTUAL), ("coal", "", "1944", 121.5, NK, NF_ACTUAL), ("coal", "", "1945", 149.3, NK, NF_ACTUAL),
 ("oil", "crude", "1942", 22.03, "Voenno-ekonomicheskii faktor v Stalingradskom srazhenii i Kurskoi bitve, table 4 (archival)", checked("https://usr.bibliboba.online/books/voenno-ekonomicheskii-faktor-v-stalingradskom-srazhenii-i-kurskoi-bitve-1/p/30", "Добыто нефти млн т 31,1 32,74 22,03 (1940, 1941, 1942)")),
 ("oil", "crude", "1943", 18.0, NK, NF_ACTUAL), ("oil", "crude", "1944", 18.3, NK, NF_ACTUAL),
 ("oil", "crude", "1945", 19.4, NK, NF_ACTUAL + "; consistent: 62 % of pre-war in 1945 (bibliotekaonline.com page-199-94773)"),
 ("electricity", "", "1942", 29.1, NK, NF_ACTUAL), ("electricity", "", "1943", 32.3, NK, NF_ACTUAL),
 ("electricity", "", "1944", 39.2, NK, NF_ACTUAL), ("electricity", "", "1945", 43.3, NK, NF_ACTUAL),
 ("pig_iron", "", "1942", 4.8, NK, NF_ACTUAL + "; consistent: 'fell ... to 5 million tons' (worldhistory.biz 95199)"),
 ("pig_iron", "", "1943", 5.6, NK, NF_ACTUAL), ("pig_iron", "", "1944", 7.3, NK, NF_ACTUAL), ("pig_iron", "", "1945", 8.8, NK, NF_ACTUAL),
 ("steel", "", "1942", 8.0, "Ya. E. Chadaev, Ekonomika SSSR v gody Velikoi Otechestvennoi voiny (1985)", checked("https://kniga-online.net/page-68-64234-yakov-chadaev-ekonomika-sssr-v-gody-velikoi.html", "В 1942 г. выпуск стали составил лишь 8 млн. т")),
 ("steel", "", "1943", 8.5, NK, NF_ACTUAL), ("steel", "", "1944", 10.9, NK, NF_ACTUAL), ("steel", "", "1945", 12.3, NK, NF_ACTUAL),
 ("aluminium", "", "1942", 51.7, NK, NF_ACTUAL), ("aluminium", "", "1943", 62.3, NK, NF_ACTUAL),
 ("aluminium", "", "1944", 82.7, NK, NF_ACTUAL), ("aluminium", "", "1945", 86.3, NK, NF_ACTUAL),
 ("grain", "", "1942", 26.7, NK, NF_ACTUAL + "; an unsourced page gives 36 % of 1940 (34 Mt)"),
 ("grain", "", "1943", 29.4, NK, NF_ACTUAL), ("grain", "", "1944", 49.1, NK, NF_ACTUAL),
 ("grain", "", "1945", 47.3, "Soviet history of the home front, litlife.club book 245527 p. 101, table note 46", checked("https://litlife.club/books/245527/read?page=101", "Зерновые культуры 95,6 8,6 47,3 5,6 (1940 and 1945 harvest, yield)")),
 ("tanks", "heavy and medium", "1941H2", 2819, "V. V. Beshanov, Tankovyi pogrom 1941 goda: 933 heavy + 1,886 medium in July-December 1941", checked("https://deepbiglib.com/books/4358507-tankovyy-pogrom-1941-goda-vpervye-v-avtorskoy-redakcii/read/page-274", "4 742 танка ... в том числе 933 тяжелых и 1 886 средних")),
 ("tanks", "heavy and medium", "1942", 15086, "Wikipedia table 'Soviet combat vehicle production during WWII' (heavy 2,533 + medium 12,553)", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Heavy | 1,353 | 2,533 | 656 | 2,252; Medium | 2,800 | 12,553 | 15,812 | 13,949") + "; the table's class rows do not add up to its own total"),
 ("tanks", "heavy and medium", "1943", 16468, "as above (heavy 656 + medium 15,812)", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Heavy ... 656; Medium ... 15,812")),
 ("tanks", "heavy and medium", "1944", 16201, "as above (heavy 2,252 + medium 13,949)", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Heavy ... 2,252; Medium ... 13,949")),
 ("light_tanks", "light tanks and self-propelled guns", "1941H2", 1923, "Beshanov (as above): 4,742 - 933 - 1,886", "derived from a verified row (deepbiglib.com 4358507 page-274)"),
 ("light_tanks", "light tanks and self-propelled guns", "1942", 9604, "Wikipedia table (as above): light 9,553 + SPG 26 + SPA 25", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Light | 1,907 | 9,553 | 3,343 | 0")),
 ("light_tanks", "light tanks and self-propelled guns", "1943", 7390, "as above: light 3,343 + SPG 2,678 + SPA 1,369", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Light ... 3,343; self-propelled 2,678 / 1,369")),
 ("light_tanks", "light tanks and self-propelled guns", "1944", 11958, "as above: light 0 + SPG 8,955 + SPA 3,003", checked("https://christos66.rssing.com/chan-7493915/article29.html", "Light ... 0; self-propelled 8,955 / 3,003")),
 ("aircraft", "", "1941H2", 9685, "15,737 in 1941 (ww2aircraft.net chart) with H2 = 1.6 x H1 (ukrbukva.net)", "derived from two verified rows: 15,737 x 1.6 / 2.6"),
 ("aircraft", "", "1942", 25436, "chart quoted on ww2aircraft.net, 'apparently from the WW2 Almanac'", checked("https://ww2aircraft.net/forum/threads/aircraft-production-1939-45.4218/", "1942 - 25,436")),
 ("aircraft", "", "1943", 34900, "as above", checked("https://ww2aircraft.net/forum/threads/aircraft-production-1939-45.4218/", "1943 - 34,900")),
 ("aircraft", "", "1944", 40300, "as above; also 'Za Stalina! Strateg Velikoi Pobedy' p. 143", checked("https://user.bibliboba.online/books/za-stalina-strateg-velikoi-pobedy-1/p/143", "Авиационная промышленность дала стране 40,3 тыс. самолетов")),
 ("aircraft", "", "1945", 20900, "chart quoted on ww2aircraft.net", checked("https://ww2aircraft.net/forum/threads/aircraft-production-1939-45.4218/", "1945 - 20,900")),
 ("guns", "all calibres", "1942", 127.1, NK, NF_ACTUAL + "; 29,561 of 76 mm and above verified (my-library.info 162864)"),
 ("guns", "all calibres", "1943", 130.3, NK, NF_ACTUAL), ("guns", "all calibres", "1944", 122.4, NK, NF_ACTUAL), ("guns", "all calibres", "1945", 72.2, NK, NF_ACTUAL),
 ("ammunition", "artillery shells (mines not counted)", "1941H2", 24.6, "5.0 M shells in August, 3.2 M in November 1941 (voynablog.ru)", "derived from a verified row: 3 x 5.0 + 3 x 3.2 (each quarter at its named month's rate)"),
 ("ammunition", "artillery shells (mines not counted)", "1944", 94.8, "'Za Stalina! Strateg Velikoi Pobedy' p. 143", checked("https://user.bibliboba.online/books/za-stalina-strateg-velikoi-pobedy-1/p/143", "Выпуск артиллерийских снарядов ... составил в 1944 году 94,8 млн штук")),
]

# ------------------------------------------------------------------ published inputs (sources.csv)
W = "Werth (1964), Russia at War 1941-1945, part III ch. 3"
NF_SOURCE = ("not found in the stored pages", "figure as commonly cited; check against the book")


def verified(url: str, quote: str) -> tuple[str, str]:
    return "verified", f"{url} ('{quote}')"


SOURCES = [
 ("output_1940", "1940 output: coal 165.9 Mt, pig iron 14.9 Mt, steel 18.3 Mt (capital.csv: base capacities)", "165.9 / 14.9 / 18.3", "Mt", "ww2.debello.ca 'Onslaught' page", *verified("http://ww2.debello.ca/onslaught/two.html", "in 1940 it reached the level of 14.9 million tons ... 18.3 million tons in 1940 ... 165.9 million tons in 1940")),
 ("output_1940_other", "1940 output: oil 31.1 Mt, electricity 48.3 bn kWh, grain 95.6 Mt", "31.1 / 48.3 / 95.6", "", "oil: archival table (bibliboba, 'Voenno-ekonomicheskii faktor', table 4); electricity: Narkhoz 1956 via TIME; grain: litlife.club 245527 p. 101", *verified("https://usr.bibliboba.online/books/voenno-ekonomicheskii-faktor-v-stalingradskom-srazhenii-i-kurskoi-bitve-1/p/30", "Добыто нефти млн т 31,1 ...")),
 ("aluminium_1940", "aluminium supply (production and imports) 1938-40, per year (capital.csv: aluminium plant 15 kt a quarter)", "about 60,000", "t", "Istoriya aviatsii 2004 no. 1 (rulit.me)", *verified("https://rulit.me/books/istoriya-aviacii-2004-01-read-348307-12.html", "Советская промышленность получала в год около 60.000 т. алюминия")),
 ("occupation_losses", "pre-war output lost with the occupied territory: pig iron 71 %, steel 58 %, coal 63 %, electricity 42 % (capital.csv: west + south shares)", "71 / 58 / 63 / 42", "%", "Soviet economic history, litmir.club 121662 p. 43", *verified("https://litmir.club/br/?b=121662&p=43", "СССР лишился продукции: по чугуну — на 71%; стали — на 58%")),
 ("occupation_aluminium_grain", "territory lost in the first six months: > 60 % of coal, pig iron and aluminium, about 40 % of grain; occupied share of grain output 38 %", "> 60 / 38", "%", "qa.edu.vn 'Soviet industry in World War II' (Harrison); evacuation notes", *verified("https://qa.edu.vn/en/Soviet_industry_in_World_War_II", "over 60% of total coal, pig iron, and aluminum production. Nearly 40% of total grain")),
 ("workers_1940_1941", "workers and employees: 31.2 M (1940), 27.3 M (1941 average), 19.8 M (November 1941) (schedule.csv: labour workers, 1941 Q3 24.6 and Q4 20.0 between them)", "31.2 / 27.3 / 19.8", "million", W, *verified("https://user.bibliboba.online/books/russia-at-war-1941-1945/p/118", "dropped from 31.2 million in 1940 to 27.3 million in 1941; in November this figure had dropped to 19.8 million")),
 ("workers_1942_1945", "workers and employees, annual averages 1942-45: 18.4, 19.4, 23.6, 27.3 M (schedule.csv)", "18.4 / 19.4 / 23.6 / 27.3", "million", "Narodnoe khozyaistvo SSSR v VOV (Goskomstat 1990)", "1942: secondary source only (bibliotekar.ru); 1943-45 not found in the stored pages", "1945 from another series: 28.6 M (Narkhoz 1922-72, great-country.ru)"),
 ("overtime_decree", "decree of 26 June 1941: compulsory overtime of 1 to 3 hours a day; an 11-hour day for adults (assumption hours: 1.15-1.35)", "1-3", "hours a day", "decree text (litfond.net 123324)", *verified("https://litfond.net/r/123324?p_=60", "обязательные сверхурочные работы продолжительностью от 1 до 3 часов в день")),
 ("hours_saved_workers", "longer hours saved 1.5 M new workers in 1942 and about 2 M in 1944", "1.5 / 2", "million", "Sovetskaya ekonomika nakanune i v period VOV (AN SSSR)", *verified("https://kniga-online.net/page-77-88285-kollektiv-avtorov-sovetskaya-ek", "пришлось бы дополнительно вовлечь в производство в 1942 г. 1,5 млн., а в 1944 г. — около 2 млн.")),
 ("industry_productivity", "output per industrial worker grew 9 % a year in the war (11 % before it): the munitions path rises, the civilian path falls (schedule.csv: productivity)", "9", "% a year", "Sovetskaya ekonomika nakanune i v period VOV (AN SSSR)", *verified("https://kniga-online.net/page-77-88285-kollektiv-avtorov-sovetskaya-ek", "за четыре года войны он равнялся 9%")),
 ("weapons_labour_cost", "by 1943 weapons cost on average 60 % of their 1940 labour hours (munitions productivity 1 / 0.6 = 1.7; schedule.csv uses 2.0 by 1943 Q4, assumption 1.5-2.5)", "60", "% of 1940 hours", "tumblr repost of Glantz & House, When Titans Clashed (unattributed on the page)", *verified("https://tumblr-lukadjo-no-media.statichost.eu/posts/767516782967865344.html", "delivered weapons at an average of 60 percent of 1940 costs in terms of labor hours")),
 ("kolkhoz_output_per_head", "gross kolkhoz output per able-bodied collective farmer, 1941-43: 143.6 % of 1940 (schedule.csv: kolkhoz productivity 1.436 by 1943 Q4)", "143.6", "%", "Sovetskaya ekonomika nakanune i v period VOV (bibliboba)", *verified("https://user.bibliboba.online/books/sovetskaia-ekonomika-nakanune-i-v-", "Валовая продукция колхозов на одного трудоспособного колхозника за 1941—1943 гг. составила 143,6%")),
 ("population_controlled", "population under Soviet control: 130 M (1942), 143 M (1943) (schedule.csv: kolkhozniki = population x kolkhoz_share; other quarters interpolated)", "130 / 143", "million", "agesmystery.ru", *verified("https://agesmystery.ru/rubriki/vojny-i-tajny/vtoraya-mirovaya-vojna-da", "В 1943 г. население страны увеличилось до 143 млн. человек")),
 ("armed_forces", "armed forces: about 11 M on 1 May 1942 (schedule.csv: army basket per soldier); 11.365 M in May 1945", "11 / 11.365", "million", "'Pobedy kotorykh ne bylo' (bibliboba) / Krivosheev", "verified for 1942", "private.bibliboba.com/books/pobedy-kotorykh-ne-bylo/p/106 ('около 11 миллионов человек'); 1945 not found in the stored pages"),
 ("losses_1941", "irrecoverable losses June-December 1941: 20,500 tanks (17,300 light, 2,300 medium, 900 heavy), 17,900 combat aircraft, 101,000 guns and mortars", "20,500 / 17,900 / 101,000", "", "Krivosheev, quoted in 'Tankovaya voina na Vostochnom fronte' and voynablog.ru", *verified("https://user.bibliboba.online/books/tankovaia-voina-na-vostochnom-fron", "в 1941 г. из потерянных 20,5 тысячи танков тяжёлые танки составляли приблизительно 900")),
 ("losses_1943", "irrecoverable losses 1943: 22,400 tanks (6,400 light) and 1,200 SP guns", "23,600", "", "Krivosheev, quoted in 'Tankovaya voina na Vostochnom fronte'", *verified("https://user.bibliboba.online/books/tankovaia-voina-na-vostochnom-fron", "в 1943 г. было потеряно ... 22,4 тысячи танков и 1,2 тысячи самоходных")),
 ("losses_other_years", "irrecoverable losses 1942, 1944, 1945: tanks and SP guns 15,100 / 23,700 / 13,700; combat aircraft 12,100 / 22,500 (1943) / 24,800 / 11,000 (schedule.csv: the army basket)", "", "", "Krivosheev (1993), Grif sekretnosti snyat", *NF_SOURCE),
 ("aircraft_losses_all", "aircraft lost 1941-45: 106,400 to all causes, 88,300 of combat types (the army basket counts all causes: x 106.4 / 88.3)", "106,400 / 88,300", "aircraft", "Krivosheev, quoted on samlib.ru", *verified("http://samlib.ru./r/russischer_a/oruzie-1.shtml", "общие потери советской авиации за годы войны составили 106 400 самолетов, из них 88 300 боевых")),
 ("field_army", "field army holdings: Dec 1941 1,954 tanks and SP guns, 22,000 guns and mortars, 2,238 combat aircraft; Nov 1942 7,350 / 77,851 / 4,544; Jul 1943 10,200 / 105,000 / 10,200 (the basket's build-up in 1942 and 1943)", "", "", "Soviet economic history, booksonline.com.ua book 92900 p. 74", *verified("https://booksonline.com.ua/view.php?book=92900&page=74", "Декабрь 1941 г. 1 954 22 000 2 238 ... Ноябрь 1942 г. 7 350 77 851 4 544 ... Июль 1943 г. 10 200 105 000 10 200")),
 ("shells_received", "shells and mines the artillery received 1941-45: 775.6 M; shells were more than half of all ammunition (army basket: 2.7 M shells per million soldiers a quarter)", "775.6", "million", "'Za Stalina! Strateg Velikoi Pobedy' p. 143", *verified("https://user.bibliboba.online/books/za-stalina-strateg-velikoi-pobedy-1/p/143", "советская артиллерия получила от промышленности 775,6 млн снарядов и мин")),
 ("evacuated", "industrial enterprises moved east July-November 1941: 1,523, including 1,360 large war plants (the two 1941 evacuation shocks)", "1,523 / 1,360", "enterprises", W, *verified("https://user.bibliboba.online/books/russia-at-war-1941-1945/p/114", "no fewer than 1,523 industrial enterprises, including 1,360")),
 ("evacuation_wagons", "evacuation cargoes 1941: 1.5 M railway wagon-loads (split 1,360 : 163 between the two shocks)", "1.5", "million wagon-loads", W, *verified("https://user.bibliboba.online/books/russia-at-war-1941-1945/p/114", "one and a half million railway wagon-loads")),
 ("restart_lags", "restart of evacuated plants: 14 days for a Volga aircraft plant, about 50 days for the Kharkov tank works, 1.5-2 months on average (evac_lag_war: 1 quarter)", "14 days - 2 months", "", "Werth (1964) p. 116; 'K reshayushchim bitvam' (rulit.me)", *verified("https://user.bibliboba.online/books/russia-at-war-1941-1945/p/116", "On December 10, fourteen days after the arrival of the last trainloads of equipment")),
 ("evacuation_1942", "the second evacuation wave, 1942, from the southern regions (its size in enterprises was not found: evac_share_1942 is an assumption)", "", "", "zdt-magazine.ru 2008/06; studopedia (24,000 t of equipment to Kazakhstan, Aug-Sep 1942)", *verified("http://www.zdt-magazine.ru/publik/history/2008/june-08.htm", "в 1942 г. - из южных")),
 ("ll_arrival", "Lend-Lease arrivals: 13 % in 1941-42, 64 % in 1944-45 (schedule.csv: the delivery profile)", "13 / 23 / 64", "%", "1941su.blogspot.com", *verified("https://1941su.blogspot.com/search/label/Lend%20lease", "Only 13% of lend-lease supplies arrived in 1941-42")),
 ("ll_aluminium", "Lend-Lease aluminium 1941-45: 328.1 kt, 55.5 % of supply (heading inferred from the table)", "328.1", "kt", "Jason Long, Soviet Lend-Lease table (sturmvogel.orbat.com)", "probable", "http://www.sturmvogel.orbat.com/SovLendLease.html ('Allied Deliveries 328.1 Allied Proportion 55.5%'; the row's heading was lost); consistent: 106 % of domestic output (gazeta Zavtra 972)"),
 ("ll_oil_food", "Lend-Lease petroleum products 2,670,371 t, foodstuffs 4,478,116 t (oil and grain imports)", "2.67 / 4.48", "Mt", "US deliveries list (otofun.net)", *verified("https://otofun.net/threads/nuoc-my-da-dong-gop-cho-chien-thang-cua-dong-minh-tro", "2,670,371 tons of petroleum products ... 4,478,116 tons of foodstuffs")),
 ("ll_tanks_aircraft", "Lend-Lease tanks 12,700 (split 0.6 heavy/medium : 0.4 light, an assumption) and more than 14,000 US aircraft", "12,700 / 14,000", "", "forum.kajgana.com", *verified("https://forum.kajgana.com/goto/post?id=10299416", "375,883 cargo trucks, 8,071 tractors and 12,700 tanks")),
 ("liberation", "liberation: Orel, Belgorod, Kharkov, Donbas, Smolensk (1943 Q3); Kiev (1943 Q4); right-bank Ukraine, Leningrad (1944 Q1); Crimea, Odessa (1944 Q2); Belorussia, the Baltic (1944 Q3); the North Caucasus (1943 Q1) (the occupation shocks' shares are assumptions)", "", "", "standard chronology", "dates not checked against a source in the stored pages", ""),
 ("occupied_workers", "share of workers and employees in the occupied territory: 41.9 % in November 1942, 33.8 % in March 1943", "41.9 / 33.8", "%", "litmir.club 121662 p. 43", *verified("https://litmir.club/br/?b=121662&p=43", "на ноябрь 1942 г. — 41,9%; на март 1943 г. — 33,8%")),
]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def processes() -> list[tuple[str, str, str, str]]:
    """``sector@region`` for every sector a region had in 1940."""
    return [(f"{g}@{r}", f"{G[g][0]} {RNAME[r]}", r, g) for r in REGIONS for g in G if G[g][3][REGIONS.index(r)] > 0]


def plant(p: str) -> float:
    """A process's 1940 output a quarter: the nation's times the region's share."""
    g, r = p.split("@")
    return G[g][2] * G[g][3][REGIONS.index(r)]


def schedule(ids: list[str]) -> list[tuple[str, str, int, float]]:
    rows: list[tuple[str, str, int, float]] = []
    for t in range(1, T + 1):
        rows.append(("labour", "workers", t, workers(t)))
        rows.append(("labour", "kolkhozniki", t, POP[t - 1]))  # x kolkhoz_share (scenario.toml)
        tk, lt, air, guns = army_weapons(t)
        basket = {"tanks": tk, "light_tanks": lt, "aircraft": air, "guns": guns}
        for g, a in ARMY_PER.items():
            basket[g] = basket.get(g, 0.0) + a * ARMY[t - 1]
        for g, c in CIVIL_PER.items():
            basket[g] = basket.get(g, 0.0) + AUSTERITY * c * POP[t - 1]
        rows += [("target", g, t, round(basket.get(g, 0.0), 6)) for g in G]
        # productivity: munitions rise to 2.0 by 1943 Q4 (period 10), civilian industry falls to 0.9 by
        # 1942 Q1, kolkhoz labour rises to 1.436 by 1943 Q4 (sources.csv: kolkhoz_output_per_head)
        ramp = min(1.0, (t - 1) / 9)
        for p in ids:
            g = p.split("@")[0]
            f = 1 + ramp if g in WAR else 1 + 0.436 * ramp if g == "grain" else 1 - 0.1 * min(1.0, (t - 1) / 2)
            rows.append(("productivity", p, t, round(f, 6)))
    for t, share in PROFILE.items():
        rows += [("supply", g, t, round(total * share, 6)) for g, total in LL.items()]
    return rows


def write(out: Path) -> None:
    """Write every data file of the scenario into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    procs = processes()
    ids = [p[0] for p in procs]
    write_csv(out / "goods.csv", ["id", "name", "unit"], [(g, v[0], v[1]) for g, v in G.items()])
    write_csv(out / "processes.csv", ["id", "name", "region", "sector"], procs)
    write_csv(out / "outputs.csv", ["process", "good", "amount"], [(p, p.split("@")[0], 1) for p in ids])
    write_csv(out / "inputs.csv", ["process", "good", "amount"],
              [(p, i, a) for p in ids for i, a in A[p.split("@")[0]].items()])
    labour = []
    for p in ids:
        g = p.split("@")[0]
        labour.append((p, WORKERS[g], "workers"))
        if g in KOLKHOZ:
            labour.append((p, KOLKHOZ[g], "kolkhozniki"))
    write_csv(out / "labour.csv", ["process", "hours", "kind"], labour)
    # terminal (a share of initial): at the end of 1945 each plant holds half its pre-war capital, so
    # the plan does not stop investing because its horizon ends (assumption reconstruction)
    write_csv(out / "capital.csv", ["process", "good", "per_unit", "initial", "depreciation", "gestation", "terminal"],
              [(p, "machinery", CAPITAL[p.split("@")[0]], round(CAPITAL[p.split("@")[0]] * plant(p), 6), 0.01, 2, 0.5)
               for p in ids])
    # a liberated region makes no more than its pre-war plant did: finite capacity in the occupied regions
    write_csv(out / "limits.csv", ["kind", "id", "available"],
              [("capacity", p, round(plant(p), 6)) for p in ids if not p.endswith("@east")])
    write_csv(out / "schedule.csv", ["kind", "id", "period", "value"], schedule(ids))
    # conversion of eastern machine building (tractor and car plants) to war production
    write_csv(out / "transfers.csv", ["id", "source", "dest", "lag", "loss", "share", "first", "last"],
              [(f"convert:{g}", "machinery@east/machinery", f"{g}@east/machinery", 1, 0.3, 0.15, 1, 8) for g in WAR])
    write_csv(out / "targets.csv", ["good", "amount"], [("grain", 1.0)])  # the per-period basket is in schedule.csv
    names = ", ".join(f'"{n}"' for n in NAMES)
    (out / "dynamic.toml").write_text(f'periods = {T}\nperiod_label = "quarter"\nperiod_names = [{names}]\n'
                                      '[objective]\nkind = "harmony"\n', encoding="utf-8")
    (out / "economy.toml").write_text(
        'name = "war1941_45"\ndescription = "The Soviet war economy, July 1941 - December 1945: three regions '
        '(occupied 1941, occupied 1942, never occupied), 15 sectors, workers and collective farmers, quarters"\n'
        'source = "published figures cited row by row in sources.csv and actual.csv; every other coefficient is '
        'stated in scripts/war1941_45.py and ranged in scenario.toml"\n', encoding="utf-8")
    write_csv(out / "actual.csv", ["good", "variant", "first", "last", "value", "source", "checked"],
              [(g, var, *SPAN[p], val, src, chk) for g, var, p, val, src, chk in ACTUAL])
    write_csv(out / "sources.csv", ["id", "figure", "value", "unit", "source", "checked", "checked_against"], SOURCES)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    write(target)
    print(f"wrote {target}")
