/* port/posix entry point: fills the whole platform table. */
#include <string.h>

#include "posix_internal.h"

int axn_port_posix_init(struct axn_platform *plat, enum axn_log_level lvl)
{
    if (!plat)
        return -AXN_EINVAL;
    memset(plat, 0, sizeof *plat);
    plat->ctx = NULL; /* the port keeps no state of its own */
    axn_posix_install_memory(plat);
    axn_posix_install_locks(plat);
    axn_posix_install_waitq(plat);
    axn_posix_install_event(plat);
    axn_posix_install_threads(plat);
    axn_posix_install_clock(plat);
    axn_posix_install_random(plat);
    axn_posix_install_log(plat);
    axn_posix_install_irq(plat);
    plat->log_level = lvl;
    return 0;
}
