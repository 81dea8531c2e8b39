/** When a delivery reached this module, stamped once however many discoveries it reaches. */
export interface DeliveryArrival {
  /**
   * Epoch ms. Only a check asked since reflects the delivery, so every discovery it reaches may
   * take the one answer any of them asked for after it. Unset: the handler's own time.
   */
  arrivedAt?: number;
}
