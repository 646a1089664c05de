package sfsim

import "strings"

// The State and Country/Territory picklists of a new org.
//
// Countries: the ISO 3166-1 codes with Salesforce's integration values
// (Salesforce Help, "Standard Countries and Territories for Address
// Picklists"). The US territories Salesforce lists as states of the United
// States (AS, GU, MP, PR, UM, VI) are states here too, as in a new org.
// States: the countries Salesforce ships states for (Salesforce Help,
// "State and Country/Territory Picklists", "Standard States and Provinces"):
// United States, Canada, Australia, Brazil, China, India, Ireland, Italy and
// Mexico, each as code → integration value.

// country is one entry of the country picklist.
type country struct {
	code, name string
	states     []state // nil: the country has no state picklist
}

type state struct{ code, name string }

const countryList = `AD Andorra|AE United Arab Emirates|AF Afghanistan|AG Antigua and Barbuda|AI Anguilla|AL Albania|` +
	`AM Armenia|AO Angola|AQ Antarctica|AR Argentina|AT Austria|AU Australia|AW Aruba|AX Aland Islands|AZ Azerbaijan|` +
	`BA Bosnia and Herzegovina|BB Barbados|BD Bangladesh|BE Belgium|BF Burkina Faso|BG Bulgaria|BH Bahrain|BI Burundi|` +
	`BJ Benin|BL Saint Barthélemy|BM Bermuda|BN Brunei Darussalam|BO Bolivia, Plurinational State of|` +
	`BQ Bonaire, Sint Eustatius and Saba|BR Brazil|BS Bahamas|BT Bhutan|BV Bouvet Island|BW Botswana|BY Belarus|` +
	`BZ Belize|CA Canada|CC Cocos (Keeling) Islands|CD Congo, the Democratic Republic of the|CF Central African Republic|` +
	`CG Congo|CH Switzerland|CI Cote d'Ivoire|CK Cook Islands|CL Chile|CM Cameroon|CN China|CO Colombia|CR Costa Rica|` +
	`CU Cuba|CV Cape Verde|CW Curaçao|CX Christmas Island|CY Cyprus|CZ Czechia|DE Germany|DJ Djibouti|DK Denmark|` +
	`DM Dominica|DO Dominican Republic|DZ Algeria|EC Ecuador|EE Estonia|EG Egypt|EH Western Sahara|ER Eritrea|ES Spain|` +
	`ET Ethiopia|FI Finland|FJ Fiji|FK Falkland Islands (Malvinas)|FM Micronesia, Federated States of|FO Faroe Islands|` +
	`FR France|GA Gabon|GB United Kingdom|GD Grenada|GE Georgia|GF French Guiana|GG Guernsey|GH Ghana|GI Gibraltar|` +
	`GL Greenland|GM Gambia|GN Guinea|GP Guadeloupe|GQ Equatorial Guinea|GR Greece|` +
	`GS South Georgia and the South Sandwich Islands|GT Guatemala|GW Guinea-Bissau|GY Guyana|HK Hong Kong|` +
	`HM Heard Island and McDonald Islands|HN Honduras|HR Croatia|HT Haiti|HU Hungary|ID Indonesia|IE Ireland|IL Israel|` +
	`IM Isle of Man|IN India|IO British Indian Ocean Territory|IQ Iraq|IR Iran, Islamic Republic of|IS Iceland|IT Italy|` +
	`JE Jersey|JM Jamaica|JO Jordan|JP Japan|KE Kenya|KG Kyrgyzstan|KH Cambodia|KI Kiribati|KM Comoros|` +
	`KN Saint Kitts and Nevis|KP Korea, Democratic People's Republic of|KR Korea, Republic of|KW Kuwait|KY Cayman Islands|` +
	`KZ Kazakhstan|LA Lao People's Democratic Republic|LB Lebanon|LC Saint Lucia|LI Liechtenstein|LK Sri Lanka|` +
	`LR Liberia|LS Lesotho|LT Lithuania|LU Luxembourg|LV Latvia|LY Libya|MA Morocco|MC Monaco|MD Moldova, Republic of|` +
	`ME Montenegro|MF Saint Martin (French part)|MG Madagascar|MH Marshall Islands|MK North Macedonia|ML Mali|MM Myanmar|` +
	`MN Mongolia|MO Macao|MQ Martinique|MR Mauritania|MS Montserrat|MT Malta|MU Mauritius|MV Maldives|MW Malawi|` +
	`MX Mexico|MY Malaysia|MZ Mozambique|NA Namibia|NC New Caledonia|NE Niger|NF Norfolk Island|NG Nigeria|NI Nicaragua|` +
	`NL Netherlands|NO Norway|NP Nepal|NR Nauru|NU Niue|NZ New Zealand|OM Oman|PA Panama|PE Peru|PF French Polynesia|` +
	`PG Papua New Guinea|PH Philippines|PK Pakistan|PL Poland|PM Saint Pierre and Miquelon|PN Pitcairn|` +
	`PS Palestine|PT Portugal|PW Palau|PY Paraguay|QA Qatar|RE Reunion|RO Romania|RS Serbia|RU Russian Federation|` +
	`RW Rwanda|SA Saudi Arabia|SB Solomon Islands|SC Seychelles|SD Sudan|SE Sweden|SG Singapore|` +
	`SH Saint Helena, Ascension and Tristan da Cunha|SI Slovenia|SJ Svalbard and Jan Mayen|SK Slovakia|SL Sierra Leone|` +
	`SM San Marino|SN Senegal|SO Somalia|SR Suriname|SS South Sudan|ST Sao Tome and Principe|SV El Salvador|` +
	`SX Sint Maarten (Dutch part)|SY Syrian Arab Republic|SZ Eswatini|TC Turks and Caicos Islands|TD Chad|` +
	`TF French Southern Territories|TG Togo|TH Thailand|TJ Tajikistan|TK Tokelau|TL Timor-Leste|TM Turkmenistan|` +
	`TN Tunisia|TO Tonga|TR Türkiye|TT Trinidad and Tobago|TV Tuvalu|TW Taiwan|TZ Tanzania, United Republic of|` +
	`UA Ukraine|UG Uganda|US United States|UY Uruguay|UZ Uzbekistan|VA Holy See (Vatican City State)|` +
	`VC Saint Vincent and the Grenadines|VE Venezuela, Bolivarian Republic of|VG Virgin Islands, British|VN Viet Nam|` +
	`VU Vanuatu|WF Wallis and Futuna|WS Samoa|XK Kosovo|YE Yemen|YT Mayotte|ZA South Africa|ZM Zambia|ZW Zimbabwe`

var stateLists = map[string]string{
	"US": `AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|` +
		`DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|` +
		`KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|` +
		`MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|` +
		`NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|RI Rhode Island|` +
		`SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|` +
		`WV West Virginia|WI Wisconsin|WY Wyoming|AS American Samoa|GU Guam|MP Northern Mariana Islands|PR Puerto Rico|` +
		`UM United States Minor Outlying Islands|VI Virgin Islands, U.S.|AA Armed Forces Americas|AE Armed Forces Europe|` +
		`AP Armed Forces Pacific`,
	"CA": `AB Alberta|BC British Columbia|MB Manitoba|NB New Brunswick|NL Newfoundland and Labrador|` +
		`NT Northwest Territories|NS Nova Scotia|NU Nunavut|ON Ontario|PE Prince Edward Island|QC Quebec|` +
		`SK Saskatchewan|YT Yukon Territories`,
	"AU": `ACT Australian Capital Territory|NSW New South Wales|NT Northern Territory|QLD Queensland|` +
		`SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia`,
	"BR": `AC Acre|AL Alagoas|AP Amapá|AM Amazonas|BA Bahia|CE Ceará|DF Distrito Federal|ES Espírito Santo|` +
		`GO Goiás|MA Maranhão|MT Mato Grosso|MS Mato Grosso do Sul|MG Minas Gerais|PA Pará|PB Paraíba|PR Paraná|` +
		`PE Pernambuco|PI Piauí|RJ Rio de Janeiro|RN Rio Grande do Norte|RS Rio Grande do Sul|RO Rondônia|RR Roraima|` +
		`SC Santa Catarina|SP São Paulo|SE Sergipe|TO Tocantins`,
	"CN": `34 Anhui|11 Beijing|50 Chongqing|35 Fujian|62 Gansu|44 Guangdong|45 Guangxi|52 Guizhou|46 Hainan|` +
		`13 Hebei|23 Heilongjiang|41 Henan|91 Hong Kong|42 Hubei|43 Hunan|32 Jiangsu|36 Jiangxi|22 Jilin|21 Liaoning|` +
		`92 Macao|15 Nei Mongol|64 Ningxia|63 Qinghai|61 Shaanxi|37 Shandong|31 Shanghai|14 Shanxi|51 Sichuan|` +
		`71 Taiwan|12 Tianjin|65 Xinjiang|54 Xizang|53 Yunnan|33 Zhejiang`,
	"IN": `AN Andaman and Nicobar Islands|AP Andhra Pradesh|AR Arunachal Pradesh|AS Assam|BR Bihar|CH Chandigarh|` +
		`CT Chhattisgarh|DN Dadra and Nagar Haveli|DD Daman and Diu|DL Delhi|GA Goa|GJ Gujarat|HR Haryana|` +
		`HP Himachal Pradesh|JK Jammu and Kashmir|JH Jharkhand|KA Karnataka|KL Kerala|LA Ladakh|LD Lakshadweep|` +
		`MP Madhya Pradesh|MH Maharashtra|MN Manipur|ML Meghalaya|MZ Mizoram|NL Nagaland|OR Odisha|PY Puducherry|` +
		`PB Punjab|RJ Rajasthan|SK Sikkim|TN Tamil Nadu|TG Telangana|TR Tripura|UP Uttar Pradesh|UT Uttarakhand|` +
		`WB West Bengal`,
	"IE": `CW Carlow|CN Cavan|CE Clare|CO Cork|DL Donegal|D Dublin|G Galway|KY Kerry|KE Kildare|KK Kilkenny|` +
		`LS Laois|LM Leitrim|LK Limerick|LD Longford|LH Louth|MO Mayo|MH Meath|MN Monaghan|OY Offaly|RN Roscommon|` +
		`SO Sligo|TA Tipperary|WD Waterford|WH Westmeath|WX Wexford|WW Wicklow`,
	"IT": `AG Agrigento|AL Alessandria|AN Ancona|AO Aosta|AR Arezzo|AP Ascoli Piceno|AT Asti|AV Avellino|BA Bari|` +
		`BT Barletta-Andria-Trani|BL Belluno|BN Benevento|BG Bergamo|BI Biella|BO Bologna|BZ Bolzano|BS Brescia|` +
		`BR Brindisi|CA Cagliari|CL Caltanissetta|CB Campobasso|CI Carbonia-Iglesias|CE Caserta|CT Catania|` +
		`CZ Catanzaro|CH Chieti|CO Como|CS Cosenza|CR Cremona|KR Crotone|CN Cuneo|EN Enna|FM Fermo|FE Ferrara|` +
		`FI Florence|FG Foggia|FC Forlì-Cesena|FR Frosinone|GE Genoa|GO Gorizia|GR Grosseto|IM Imperia|IS Isernia|` +
		`SP La Spezia|AQ L'Aquila|LT Latina|LE Lecce|LC Lecco|LI Livorno|LO Lodi|LU Lucca|MC Macerata|MN Mantua|` +
		`MS Massa and Carrara|MT Matera|VS Medio Campidano|ME Messina|MI Milan|MO Modena|MB Monza and Brianza|` +
		`NA Naples|NO Novara|NU Nuoro|OG Ogliastra|OT Olbia-Tempio|OR Oristano|PD Padua|PA Palermo|PR Parma|PV Pavia|` +
		`PG Perugia|PU Pesaro and Urbino|PE Pescara|PC Piacenza|PI Pisa|PT Pistoia|PN Pordenone|PZ Potenza|PO Prato|` +
		`RG Ragusa|RA Ravenna|RC Reggio Calabria|RE Reggio Emilia|RI Rieti|RN Rimini|RM Rome|RO Rovigo|SA Salerno|` +
		`SS Sassari|SV Savona|SI Siena|SR Syracuse|SO Sondrio|TA Taranto|TE Teramo|TR Terni|TO Turin|TP Trapani|` +
		`TN Trento|TV Treviso|TS Trieste|UD Udine|VA Varese|VE Venice|VB Verbano-Cusio-Ossola|VC Vercelli|VR Verona|` +
		`VV Vibo Valentia|VI Vicenza|VT Viterbo`,
	"MX": `AG Aguascalientes|BC Baja California|BS Baja California Sur|CM Campeche|CS Chiapas|CH Chihuahua|` +
		`DF Ciudad de México|CO Coahuila|CL Colima|DG Durango|GT Guanajuato|GR Guerrero|HG Hidalgo|JA Jalisco|` +
		`ME México|MI Michoacán|MO Morelos|NA Nayarit|NL Nuevo León|OA Oaxaca|PU Puebla|QT Querétaro|` +
		`QR Quintana Roo|SL San Luis Potosí|SI Sinaloa|SO Sonora|TB Tabasco|TM Tamaulipas|TL Tlaxcala|VE Veracruz|` +
		`YU Yucatán|ZA Zacatecas`,
}

// directory is the picklists' contents, in picklist order.
type directory struct {
	countries []*country
	byCode    map[string]*country
	byName    map[string]*country // lower-case integration value
}

var addresses = buildDirectory()

func buildDirectory() *directory {
	d := &directory{byCode: map[string]*country{}, byName: map[string]*country{}}
	for _, e := range strings.Split(countryList, "|") {
		code, name, _ := strings.Cut(e, " ")
		c := &country{code: code, name: name}
		if list, ok := stateLists[code]; ok {
			for _, s := range strings.Split(list, "|") {
				sc, sn, _ := strings.Cut(s, " ")
				c.states = append(c.states, state{sc, sn})
			}
		}
		d.countries = append(d.countries, c)
		d.byCode[code] = c
		d.byName[strings.ToLower(name)] = c
	}
	return d
}

func (c *country) stateByCode(code string) (state, bool) {
	for _, s := range c.states {
		if s.code == code {
			return s, true
		}
	}
	return state{}, false
}

func (c *country) stateByName(name string) (state, bool) {
	for _, s := range c.states {
		if strings.EqualFold(s.name, name) {
			return s, true
		}
	}
	return state{}, false
}
