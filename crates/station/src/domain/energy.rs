//! What a vehicle runs on, and so what the desk reads at check-in: the fuel
//! gauge (fuel), the battery's charge (electric), or both (plug-in and
//! extended-range hybrids, whose battery the customer charges).
//!
//! A vehicle's energy is stored with it and edited on its form. When the form
//! leaves it open, [`guess_energy`] fills it from what the core can tell for
//! sure: a maker that builds only electric cars (from the VIN's WMI or the
//! make), or the new-energy plate's D (pure electric) / F (other new energy)
//! letter (GA 36-2018), or a blue 7-character plate, which new-energy cars do
//! not get. Anything else stays unknown and check-in asks.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Plate, PlateFormat, Vin};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Energy {
    Fuel,
    /// A hybrid whose battery is charged from the grid or a range extender:
    /// its charge is read at check-in as well as its fuel.
    Hybrid,
    Electric,
}

impl Energy {
    pub fn as_str(self) -> &'static str {
        match self {
            Energy::Fuel => "fuel",
            Energy::Hybrid => "hybrid",
            Energy::Electric => "electric",
        }
    }

    pub fn parse(s: &str) -> Option<Energy> {
        match s {
            "fuel" => Some(Energy::Fuel),
            "hybrid" => Some(Energy::Hybrid),
            "electric" => Some(Energy::Electric),
            _ => None,
        }
    }

    /// Whether check-in reads the fuel gauge.
    pub fn has_fuel(self) -> bool {
        self != Energy::Electric
    }

    /// Whether check-in reads the battery's charge.
    pub fn has_battery(self) -> bool {
        self != Energy::Fuel
    }
}

/// Why [`guess_energy`] said what it said, so the form can tell the advisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EnergySource {
    /// The VIN's maker builds only this kind.
    Vin,
    /// The make typed on the form builds only this kind.
    Make,
    /// The plate's new-energy letter, or a blue plate.
    Plate,
}

/// What check-in reads for one energy: the rule [`Energy::has_fuel`] and
/// [`Energy::has_battery`] decide, sent with the customer's record so the desk
/// shows only those gauges (and the core still refuses a check-in without them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnergyLevels {
    pub energy: Energy,
    pub fuel: bool,
    pub battery: bool,
}

impl Energy {
    pub const ALL: [Energy; 3] = [Energy::Fuel, Energy::Hybrid, Energy::Electric];

    /// The levels check-in reads for each energy, in the order the desk offers them.
    pub fn check_in_levels() -> Vec<EnergyLevels> {
        Energy::ALL.iter().map(|&energy| EnergyLevels { energy, fuel: energy.has_fuel(), battery: energy.has_battery() }).collect()
    }
}

/// WMIs of makers that build only electric cars, or only extended-range hybrids.
const WMI_ENERGY: &[(&str, Energy)] = &[
    ("5YJ", Energy::Electric), // Tesla
    ("7SA", Energy::Electric), // Tesla
    ("LRW", Energy::Electric), // Tesla Shanghai
    ("LPS", Energy::Electric), // Polestar
    ("L1N", Energy::Electric), // XPeng
    ("LW4", Energy::Hybrid),   // Li Auto (extended range)
];

/// Makes, as people type them, that build only one kind. BYD is not here: it
/// builds both electric and plug-in hybrid cars.
const MAKE_ENERGY: &[(&str, Energy)] = &[
    ("特斯拉", Energy::Electric),
    ("tesla", Energy::Electric),
    ("蔚来", Energy::Electric),
    ("nio", Energy::Electric),
    ("小鹏", Energy::Electric),
    ("xpeng", Energy::Electric),
    ("极氪", Energy::Electric),
    ("zeekr", Energy::Electric),
    ("极星", Energy::Electric),
    ("polestar", Energy::Electric),
    ("理想", Energy::Hybrid),
    ("li auto", Energy::Hybrid),
];

/// The energy the core can tell from the vehicle's VIN, make and plate, and from which.
pub fn guess_energy(vin: Option<&Vin>, make: &str, plate: Option<&Plate>) -> Option<(Energy, EnergySource)> {
    if let Some(e) = vin.and_then(|v| WMI_ENERGY.iter().find(|(w, _)| *w == v.wmi())).map(|(_, e)| *e) {
        return Some((e, EnergySource::Vin));
    }
    let make = make.trim().to_lowercase();
    if !make.is_empty() {
        if let Some((_, e)) = MAKE_ENERGY.iter().find(|(m, _)| make.contains(m)) {
            return Some((*e, EnergySource::Make));
        }
    }
    plate.and_then(plate_energy).map(|e| (e, EnergySource::Plate))
}

/// GA 36-2018: a small new-energy plate has D or F right after the issuing
/// letter, a large one at the end; D is pure electric, F any other new energy
/// (in practice, plug-in and extended-range hybrids). A standard 7-character
/// plate is blue or yellow, which a new-energy car is not issued.
fn plate_energy(plate: &Plate) -> Option<Energy> {
    let kind = |c: char| match c {
        'D' => Some(Energy::Electric),
        'F' => Some(Energy::Hybrid),
        _ => None,
    };
    match plate.format() {
        PlateFormat::ChinaNewEnergy => {
            let chars: Vec<char> = plate.as_str().chars().collect();
            kind(chars[2]).or_else(|| chars.last().copied().and_then(kind))
        }
        PlateFormat::ChinaStandard => Some(Energy::Fuel),
        PlateFormat::Other => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn plate(p: &str) -> Plate {
        Plate::parse(p).unwrap()
    }

    #[test]
    fn a_small_green_plate_with_d_is_electric_and_with_f_is_hybrid() {
        assert_eq!(guess_energy(None, "", Some(&plate("粤BD12345"))), Some((Energy::Electric, EnergySource::Plate)));
        assert_eq!(guess_energy(None, "", Some(&plate("沪AF12345"))), Some((Energy::Hybrid, EnergySource::Plate)));
    }

    #[test]
    fn a_large_green_plate_carries_its_letter_at_the_end() {
        assert_eq!(guess_energy(None, "", Some(&plate("粤B12345D"))).map(|g| g.0), Some(Energy::Electric));
    }

    #[test]
    fn a_blue_plate_means_fuel_unless_the_maker_builds_only_electric_cars() {
        assert_eq!(guess_energy(None, "", Some(&plate("沪A12345"))).map(|g| g.0), Some(Energy::Fuel));
        let tesla = Vin::parse("LRW3E7EK4NC123456").unwrap();
        assert_eq!(guess_energy(Some(&tesla), "", Some(&plate("沪A12345"))), Some((Energy::Electric, EnergySource::Vin)));
        assert_eq!(guess_energy(None, "Tesla Model 3", Some(&plate("沪A12345"))), Some((Energy::Electric, EnergySource::Make)));
    }

    #[test]
    fn a_byd_without_a_plate_is_left_to_the_advisor() {
        let byd = Vin::parse("LGXCE4CB5N0123456").unwrap();
        assert_eq!(guess_energy(Some(&byd), "比亚迪", None), None);
    }

    #[test]
    fn check_in_reads_fuel_for_a_fuel_car_the_battery_for_an_electric_one_and_both_for_a_hybrid() {
        let levels = Energy::check_in_levels();
        let of = |e: Energy| levels.iter().find(|l| l.energy == e).map(|l| (l.fuel, l.battery));
        assert_eq!(of(Energy::Fuel), Some((true, false)));
        assert_eq!(of(Energy::Electric), Some((false, true)));
        assert_eq!(of(Energy::Hybrid), Some((true, true)));
        assert_eq!(levels.len(), Energy::ALL.len());
    }
}
