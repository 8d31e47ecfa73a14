import { usart0Config, type CPU } from 'avr8js';

type USARTConfig = typeof usart0Config;
type InterruptConfig = Parameters<CPU['queueInterrupt']>[0];

const UCSRA_RXC = 0x80;
const UCSRB_RXCIE = 0x80;
const UCSRB_RXEN = 0x10;

/**
 * Keeps a received, not yet read byte's RX-complete flag and interrupt alive across USART control
 * register writes. avr8js 0.21.1 clears them on every UCSRnB write that leaves the receiver enabled
 * and drops the RXC bit on every UCSRnA write; on real hardware RXC is read-only and stays set until
 * UDR is read. The Arduino core writes both registers while transmitting (UDRIE on/off, TXC clear),
 * so with traffic in both directions received bytes were lost (1–2 of 390 in the board-probe echo
 * burst of 40 lines). Call `landed()` whenever a byte arrives in UDR.
 */
export function guardUsartRx(cpu: CPU, config: USARTConfig = usart0Config): { landed(): void } {
  let unread = false;
  const rxc: InterruptConfig = {
    address: config.rxCompleteInterrupt,
    flagRegister: config.UCSRA,
    flagMask: UCSRA_RXC,
    enableRegister: config.UCSRB,
    enableMask: UCSRB_RXCIE,
    constant: true,
  };
  const readUdr = cpu.readHooks[config.UDR];
  if (!readUdr) throw new Error('guardUsartRx: create the AVRUSART first');
  cpu.readHooks[config.UDR] = (addr) => {
    unread = false;
    return readUdr(addr);
  };
  for (const reg of [config.UCSRA, config.UCSRB]) {
    const write = cpu.writeHooks[reg]!;
    cpu.writeHooks[reg] = (value, oldValue, addr, mask) => {
      const handled = write(value, oldValue, addr, mask);
      if (!(cpu.data[config.UCSRB]! & UCSRB_RXEN)) unread = false; // disabling the receiver flushes it
      if (unread) cpu.setInterruptFlag(rxc);
      return handled;
    };
  }
  return {
    landed: () => {
      unread = true;
    },
  };
}
