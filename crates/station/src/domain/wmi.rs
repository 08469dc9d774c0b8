//! Who built a vehicle, from the first three characters of its VIN (the World
//! Manufacturer Identifier), and the decoded summary the desk shows at intake.
//!
//! The table lives in `data/wmi.csv` (`wmi,manufacturer_en,manufacturer_zh,country`,
//! country as ISO 3166-1 alpha-2) so it can be corrected without touching code.
//! It covers the makes a Chinese station sees most, not every WMI: an unknown WMI
//! is normal and decodes with the manufacturer left empty.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;
use ts_rs::TS;

use super::Vin;

const WMI_CSV: &str = include_str!("../../data/wmi.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manufacturer {
    pub wmi: &'static str,
    pub name_en: &'static str,
    pub name_zh: &'static str,
    /// ISO 3166-1 alpha-2, e.g. `CN`.
    pub country: &'static str,
}

static TABLE: LazyLock<HashMap<&'static str, Manufacturer>> = LazyLock::new(|| parse_rows(WMI_CSV).map(|m| (m.wmi, m)).collect());

/// Rows that do not have exactly four non-empty fields are skipped rather than
/// panicking at run time; the tests check that none are.
fn parse_rows(csv: &'static str) -> impl Iterator<Item = Manufacturer> {
    csv.lines().skip(1).filter_map(|line| {
        let mut fields = line.split(',').map(str::trim);
        let row = Manufacturer { wmi: fields.next()?, name_en: fields.next()?, name_zh: fields.next()?, country: fields.next()? };
        let complete = fields.next().is_none() && [row.wmi, row.name_en, row.name_zh, row.country].iter().all(|f| !f.is_empty());
        complete.then_some(row)
    })
}

/// The manufacturer a WMI belongs to, if the table knows it. Case-insensitive.
pub fn lookup_wmi(wmi: &str) -> Option<&'static Manufacturer> {
    TABLE.get(wmi.to_ascii_uppercase().as_str())
}

/// The country a WMI's first two characters are assigned to under ISO 3780,
/// for the regions a station is likely to see; used when the table does not
/// know the manufacturer but the country is still worth showing.
fn country_by_region(wmi: &str) -> Option<&'static str> {
    let mut chars = wmi.chars();
    let first = chars.next()?;
    let second = chars.next()?;
    let country = match (first, second) {
        ('L', _) => "CN",
        ('J', _) => "JP",
        ('W', _) => "DE",
        ('1' | '4' | '5', _) => "US",
        ('2', _) => "CA",
        ('3', 'A'..='W') => "MX",
        ('K', 'L'..='R') => "KR",
        ('S', 'A'..='M') => "GB",
        ('V', 'F'..='R') => "FR",
        ('V', 'S'..='W') => "ES",
        ('Y', 'S'..='W') => "SE",
        ('Z', 'A'..='R') => "IT",
        _ => return None,
    };
    Some(country)
}

/// What the desk shows about a VIN at intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VinInfo {
    pub vin: String,
    pub wmi: String,
    pub manufacturer_en: Option<String>,
    pub manufacturer_zh: Option<String>,
    /// ISO 3166-1 alpha-2; from the table, else from the WMI's region.
    pub country: Option<String>,
    pub model_year: Option<u16>,
    pub check_digit_ok: bool,
    /// What position 9 should hold, so the form can say it without recomputing it.
    pub expected_check_digit: String,
}

/// Decodes what can be read from the VIN alone. `current_year` bounds the model
/// year (see [`Vin::model_year`]); the caller passes the station's local year.
pub fn decode(vin: &Vin, current_year: i32) -> VinInfo {
    let wmi = vin.wmi();
    let maker = lookup_wmi(wmi);
    VinInfo {
        vin: vin.as_str().to_owned(),
        wmi: wmi.to_owned(),
        manufacturer_en: maker.map(|m| m.name_en.to_owned()),
        manufacturer_zh: maker.map(|m| m.name_zh.to_owned()),
        country: maker.map(|m| m.country).or_else(|| country_by_region(wmi)).map(str::to_owned),
        model_year: vin.model_year(current_year),
        check_digit_ok: vin.check_digit_ok(),
        expected_check_digit: vin.expected_check_digit().to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn data_lines() -> Vec<&'static str> {
        WMI_CSV.lines().skip(1).filter(|l| !l.trim().is_empty()).collect()
    }

    #[test]
    fn the_csv_header_names_the_columns() {
        assert_eq!(WMI_CSV.lines().next(), Some("wmi,manufacturer_en,manufacturer_zh,country"));
    }

    #[test]
    fn every_csv_row_is_well_formed() {
        let lines = data_lines();
        assert_eq!(parse_rows(WMI_CSV).count(), lines.len(), "a row lacks a field or has too many");
        for m in parse_rows(WMI_CSV) {
            assert_eq!(m.wmi.len(), 3, "{}", m.wmi);
            assert!(Vin::parse(&format!("{}11111111111111", m.wmi)).is_ok(), "{} uses a non-VIN character", m.wmi);
            assert_eq!(m.country.len(), 2, "{}: country should be ISO alpha-2", m.wmi);
            assert!(m.country.chars().all(|c| c.is_ascii_uppercase()), "{}", m.wmi);
        }
    }

    #[test]
    fn the_csv_has_at_least_sixty_unique_wmis_and_no_duplicates() {
        let wmis: Vec<&str> = parse_rows(WMI_CSV).map(|m| m.wmi).collect();
        let unique: HashSet<&str> = wmis.iter().copied().collect();
        assert_eq!(unique.len(), wmis.len(), "duplicate WMI in wmi.csv");
        assert!(unique.len() >= 60, "only {} WMIs", unique.len());
        assert_eq!(TABLE.len(), unique.len());
    }

    #[test]
    fn the_csv_includes_the_chinese_makers_and_joint_ventures() {
        let expected = [
            // Chinese makers
            ("LGX", "比亚迪"),
            ("LC0", "比亚迪"),
            ("L6T", "吉利"),
            ("LB3", "吉利"),
            ("LSJ", "上汽"),
            ("LFP", "一汽"),
            ("LFW", "一汽解放"),
            ("LMG", "广汽"),
            ("LGW", "长城"),
            ("LVV", "奇瑞"),
            ("LS5", "长安"),
            ("LJ1", "蔚来"),
            ("LW4", "理想"),
            ("L1N", "小鹏"),
            ("LRW", "特斯拉"),
            // Joint ventures
            ("LFV", "一汽-大众"),
            ("LSV", "上汽大众"),
            ("LSG", "上汽通用"),
            ("LVG", "广汽丰田"),
            ("LFM", "一汽丰田"),
            ("LGB", "东风日产"),
            ("LHG", "广汽本田"),
            ("LVH", "东风本田"),
            ("LE4", "北京奔驰"),
            ("LBV", "华晨宝马"),
            ("LVS", "长安福特"),
            ("LDC", "神龙"),
            ("LBE", "北京现代"),
            ("LJD", "起亚"),
        ];
        for (wmi, zh) in expected {
            let m = lookup_wmi(wmi).unwrap_or_else(|| panic!("{wmi} missing"));
            assert!(m.name_zh.contains(zh), "{wmi}: {}", m.name_zh);
            assert_eq!(m.country, "CN", "{wmi}");
        }
    }

    #[test]
    fn the_big_foreign_makers_are_known() {
        for (wmi, en) in [
            ("WVW", "Volkswagen"),
            ("WVG", "Volkswagen"),
            ("WBA", "BMW"),
            ("WDD", "Mercedes-Benz"),
            ("WDB", "Mercedes-Benz"),
            ("W1K", "Mercedes-Benz"),
            ("WAU", "Audi"),
            ("WP0", "Porsche"),
            ("JTD", "Toyota"),
            ("JHM", "Honda"),
            ("JN1", "Nissan"),
            ("KMH", "Hyundai"),
            ("KNA", "Kia"),
            ("1FA", "Ford"),
            ("1FT", "Ford"),
            ("1G1", "Chevrolet"),
            ("5YJ", "Tesla"),
            ("YV1", "Volvo"),
            ("VF1", "Renault"),
            ("VF3", "Peugeot"),
            ("ZFA", "Fiat"),
        ] {
            let m = lookup_wmi(wmi).unwrap_or_else(|| panic!("{wmi} missing"));
            assert!(m.name_en.contains(en), "{wmi}: {}", m.name_en);
        }
    }

    #[test]
    fn lookup_ignores_case_and_misses_unknown_wmis() {
        assert_eq!(lookup_wmi("lfv").map(|m| m.name_en), Some("FAW-Volkswagen"));
        assert!(lookup_wmi("1M8").is_none());
        assert!(lookup_wmi("").is_none());
        assert!(lookup_wmi("LFVX").is_none());
    }

    #[test]
    fn decoding_a_faw_volkswagen_vin_names_the_maker_and_year() {
        let vin = Vin::parse("LFV2A21K6M3012345").unwrap();
        let info = decode(&vin, 2026);
        assert_eq!(
            info,
            VinInfo {
                vin: "LFV2A21K6M3012345".into(),
                wmi: "LFV".into(),
                manufacturer_en: Some("FAW-Volkswagen".into()),
                manufacturer_zh: Some("一汽-大众".into()),
                country: Some("CN".into()),
                model_year: Some(2021),
                check_digit_ok: true,
                expected_check_digit: "6".into(),
            }
        );
    }

    #[test]
    fn decoding_an_unknown_wmi_still_gives_the_country_of_its_region() {
        let info = decode(&Vin::parse("1M8GDM9AXKP042788").unwrap(), 2026);
        assert_eq!(info.manufacturer_en, None);
        assert_eq!(info.manufacturer_zh, None);
        assert_eq!(info.country.as_deref(), Some("US"));
        assert_eq!(info.model_year, Some(1989));
        assert!(info.check_digit_ok);
    }

    #[test]
    fn decoding_reports_a_bad_check_digit_without_failing() {
        let info = decode(&Vin::parse("LSVAU033512345678").unwrap(), 2026);
        assert_eq!(info.manufacturer_en.as_deref(), Some("SAIC Volkswagen"));
        assert!(!info.check_digit_ok);
    }

    #[test]
    fn a_wmi_from_an_unlisted_region_has_no_country() {
        assert_eq!(country_by_region("9BW"), None);
        assert_eq!(country_by_region("L"), None);
        assert_eq!(country_by_region("LZZ"), Some("CN"));
        assert_eq!(country_by_region("KLA"), Some("KR"));
        assert_eq!(country_by_region("KAA"), None);
    }

    #[test]
    fn vin_info_serialises_with_nulls_for_unknowns() {
        let info = decode(&Vin::parse("1M8GDM9AXKP042788").unwrap(), 2026);
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["manufacturer_en"], serde_json::Value::Null);
        assert_eq!(json["model_year"], 1989);
        assert_eq!(json["check_digit_ok"], true);
    }
}
