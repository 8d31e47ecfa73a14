/**
 * Honeywell HIH-4030 humidity sensor: a linear voltage output, ratiometric to its 5 V supply
 * (datasheet: Vout = Vsupply × (0.0062 × RH + 0.16) at 25 °C), with a temperature correction
 * RH_true = RH_sensor / (1.0546 − 0.00216 × T).
 */
const SLOPE = 0.0062;
const OFFSET = 0.16;

/** % RH (whole, 0–100, the resolution the home reports) from the output/supply ratio and °C. */
export function hih4030Humidity(ratio: number, temperatureC = 25): number {
  const sensorRh = (ratio - OFFSET) / SLOPE;
  const trueRh = sensorRh / (1.0546 - 0.00216 * temperatureC);
  return Math.min(100, Math.max(0, Math.round(trueRh)));
}

/** The output voltage for a humidity, the inverse of `hih4030Humidity` (for driving an emulated ADC). */
export function hih4030Volts(humidity: number, temperatureC = 25, supplyVolts = 5): number {
  const sensorRh = humidity * (1.0546 - 0.00216 * temperatureC);
  return supplyVolts * (SLOPE * sensorRh + OFFSET);
}
