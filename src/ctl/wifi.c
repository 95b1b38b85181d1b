/*
 * Wi-Fi role switches (spec PLAT-14, CTL-26..31): the registry of control
 * handles by interface name, the STA/AP reconfiguration, and the one
 * DHCP-server request of the stack that an AP switch records.
 *
 * A switch has two halves that must not share a lock: the firmware
 * command, which blocks (CTL-28), runs with no stack lock held; the stack
 * half then runs under the core lock, like every runtime address change
 * (netctl_device.c), so the commit and the device's address move together
 * and the DHCP services, which run under the core lock, see the whole.
 *
 * Two ax-net hazards are fixed here: an AP or STA switch drops every DNS
 * server of the interface, DHCP-learnt ones included (CTL-31), and an AP
 * switch without a client address leaves another interface's DHCP server
 * alone (CTL-29).
 */
#include "axnet/wifi.h"

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "route/prefix.h"

#define IP4_UNSPECIFIED ((axn_ip4_t)0)

/* ---- Names (the library has no string functions) -------------------------- */

/* Whether `s` holds a 1..max byte string (reads at most max + 1 bytes). */
static bool text_fits(const char *s, size_t max)
{
    if (s == NULL || s[0] == '\0')
        return false;
    for (size_t i = 1; i <= max; i++) {
        if (s[i] == '\0')
            return true;
    }
    return false;
}

/* ---- Control handles (CTL-27) --------------------------------------------- */

static struct axn_ctl_wifi_slot *find_slot_locked(struct axn_ctl *c, const char *name)
{
    for (size_t i = 0; i < c->n_wifi; i++) {
        if (axn_ctl_name_equal(c->wifi[i].name, name))
            return &c->wifi[i];
    }
    return NULL;
}

/* The slot for `name`: its own, else a free one (NULL when full). */
static struct axn_ctl_wifi_slot *claim_slot_locked(struct axn_ctl *c, const char *name, bool *fresh)
{
    struct axn_ctl_wifi_slot *s = find_slot_locked(c, name);
    *fresh = s == NULL;
    if (s != NULL || c->n_wifi == AXN_MAX_WIFI_CONTROLS)
        return s;
    s = &c->wifi[c->n_wifi++];
    memset(s->name, 0, sizeof(s->name));
    for (size_t i = 0; name[i] != '\0'; i++) /* valid: shorter than the array */
        s->name[i] = name[i];
    return s;
}

int axn_wifi_register_control(struct axn_stack *st, const char *ifname,
                              const struct axn_wifi_ops *ops, void *ctx)
{
    if (ops == NULL || !axn_ctl_name_is_valid(ifname)) {
        AXN_ERROR(st->plat, "wifi: register: no ops, or a name empty or over %d bytes",
                  AXN_IFNAMSIZ - 1);
        return -AXN_EINVAL;
    }
    struct axn_ctl *c = &st->ctl;
    bool fresh;
    const unsigned long irq = axn_ctl_lock(c);
    struct axn_ctl_wifi_slot *s = claim_slot_locked(c, ifname, &fresh);
    if (s != NULL) {
        s->ops = *ops;
        s->ctx = ctx;
    }
    axn_ctl_unlock(c, irq);
    if (s == NULL) {
        AXN_ERROR(st->plat, "wifi: %s: %d control handles registered already", ifname,
                  AXN_MAX_WIFI_CONTROLS);
        return -AXN_ENOSPC;
    }
    AXN_INFO(st->plat, "wifi: %s: control handle %s", ifname, fresh ? "registered" : "replaced");
    return 0;
}

/* CTL-28 step 1: a copy of the handle, so no lock is held while it runs. */
static int take_handle(struct axn_stack *st, const char *ifname, struct axn_ctl_wifi_slot *out)
{
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    const struct axn_ctl_wifi_slot *s = find_slot_locked(c, ifname);
    if (s != NULL)
        *out = *s;
    axn_ctl_unlock(c, irq);
    if (s == NULL) {
        AXN_ERROR(st->plat, "wifi: %s: no control handle registered", ifname);
        return -AXN_ENODEV;
    }
    return 0;
}

/* ---- The DHCP-server request (CTL-24, CTL-26, CTL-29) ------------------------ */

void axn_ctl_dhcp_server_set(struct axn_ctl *c, const struct axn_dhcp_server_request *req)
{
    const unsigned long irq = axn_ctl_lock(c);
    const bool moved = c->has_dhcp_server && c->dhcp_server.ifindex != req->ifindex;
    const uint32_t was = c->dhcp_server.ifindex;
    c->dhcp_server = *req;
    c->has_dhcp_server = true;
    axn_ctl_svc_changed_locked(c);
    axn_ctl_unlock(c, irq);
    /* Only one server per stack (CTL-24): the other interface loses it. */
    if (moved)
        AXN_WARN(c->plat, "ctl: the DHCP server moves from ifindex %u to ifindex %u", (unsigned)was,
                 (unsigned)req->ifindex);
}

bool axn_ctl_dhcp_server_clear_for(struct axn_ctl *c, uint32_t ifindex)
{
    const unsigned long irq = axn_ctl_lock(c);
    const bool ours = c->has_dhcp_server && c->dhcp_server.ifindex == ifindex;
    if (ours) {
        c->has_dhcp_server = false;
        axn_ctl_svc_changed_locked(c);
    }
    axn_ctl_unlock(c, irq);
    if (ours)
        AXN_INFO(c->plat, "ctl: ifindex %u: DHCP server request cleared", (unsigned)ifindex);
    return ours;
}

int axn_ctl_dhcp_server_request(struct axn_stack *st, struct axn_dhcp_server_request *out)
{
    struct axn_ctl *c = &st->ctl;
    const unsigned long irq = axn_ctl_lock(c);
    /* ifindexes are never reused (CTL-11): a removed interface's request
     * can never come to name another one, so it is simply stale. */
    const bool live = c->has_dhcp_server && axn_ctl_find_locked(c, c->dhcp_server.ifindex) != NULL;
    if (live)
        *out = c->dhcp_server;
    axn_ctl_unlock(c, irq);
    return live ? 0 : -AXN_ENOENT;
}

/* ---- Checks before anything runs ---------------------------------------------- */

static bool ap_is_valid(const struct axn_wifi_ap *ap)
{
    if (ap->prefix_len > AXN_IP4_PREFIX_MAX || ap->addr == IP4_UNSPECIFIED)
        return false;
    if (ap->dhcp_client_ip == IP4_UNSPECIFIED)
        return true;
    /* Better than ax-net, which takes any: a lease outside the AP's subnet,
     * or of the AP's own address, could never work. */
    return ap->dhcp_client_ip != ap->addr &&
           axn_ip4_prefix_contains(ap->addr, ap->prefix_len, ap->dhcp_client_ip);
}

static bool mode_is_valid(const struct axn_wifi_mode *m)
{
    if (m == NULL)
        return false;
    if (m->role == AXN_WIFI_STA)
        return text_fits(m->sta.ssid, AXN_WIFI_SSID_MAX);
    if (m->role == AXN_WIFI_AP)
        return text_fits(m->ap.ssid, AXN_WIFI_SSID_MAX) && ap_is_valid(&m->ap);
    return false;
}

/* The interface must exist and be Ethernet (CTL-28 step 4, asked early so
 * the firmware is not switched for nothing; asked again under the lock). */
static int find_interface(struct axn_stack *st, const char *ifname, struct axn_iface_info *out)
{
    if (axn_ctl_interface_by_name(st, ifname, out) < 0 || out->kind != AXN_IFACE_ETHERNET) {
        AXN_ERROR(st->plat, "wifi: %s: no such Ethernet interface", ifname);
        return -AXN_ENODEV;
    }
    return 0;
}

/* ---- The link layer (CTL-28 step 2), no lock held --------------------------- */

static int run_link_layer(struct axn_stack *st, const struct axn_ctl_wifi_slot *h,
                          const struct axn_wifi_mode *m)
{
    int rc = -AXN_EOPNOTSUPP; /* the handle lacks the op */
    if (m->role == AXN_WIFI_STA && h->ops.connect != NULL)
        rc = h->ops.connect(h->ctx, m->sta.ssid, m->sta.password ? m->sta.password : "");
    else if (m->role == AXN_WIFI_AP && h->ops.start_ap_open != NULL)
        rc = h->ops.start_ap_open(h->ctx, m->ap.ssid, m->ap.channel);
    if (rc == 0)
        return 0;
    /* ax-net reports every firmware failure as Unsupported. */
    AXN_ERROR(st->plat, "wifi: %s: %s failed: %d", h->name,
              m->role == AXN_WIFI_STA ? "STA connect" : "SoftAP start", rc);
    return -AXN_EOPNOTSUPP;
}

/* ---- The stack half (CTL-29, CTL-30), core lock held ------------------------- */

/* A role change empties the interface's DNS list, whatever the source of
 * each entry (CTL-31: ax-net clears only the Static ones). */
static struct axn_ctl_commit role_commit(uint32_t ifindex)
{
    const struct axn_ctl_commit req = {
        .ifindex = ifindex,
        .dns_source = AXN_DNS_SRC_STATIC,
        .dns_clear_all = true,
    };
    return req;
}

/* CTL-29: the static address with its connected route and no gateway. */
static int become_ap(struct axn_ctl *c, uint32_t ifindex, const struct axn_wifi_ap *ap)
{
    struct axn_ctl_commit req = role_commit(ifindex);
    req.has_addr = true;
    req.addr = ap->addr;
    req.prefix_len = ap->prefix_len;
    const int rc = axn_ctl_commit(c, &req);
    if (rc < 0)
        return rc;
    (void)axn_ctl_set_wants_dhcp(c, ifindex, false); /* ax-net removes the DHCP client */
    if (ap->dhcp_client_ip == IP4_UNSPECIFIED) {
        (void)axn_ctl_dhcp_server_clear_for(c, ifindex); /* CTL-29 hazard fixed */
        return 0;
    }
    const struct axn_dhcp_server_request srv = {
        .ifindex = ifindex,
        .server_ip = ap->addr,
        .client_ip = ap->dhcp_client_ip,
        .netmask = axn_ip4_prefix_mask(ap->prefix_len), /* CTL-26 */
    };
    axn_ctl_dhcp_server_set(c, &srv);
    return 0;
}

/* CTL-30: no address, no routes, no DNS; a DHCP client should start. */
static int become_sta(struct axn_ctl *c, uint32_t ifindex)
{
    const struct axn_ctl_commit req = role_commit(ifindex);
    const int rc = axn_ctl_commit(c, &req);
    if (rc < 0)
        return rc;
    (void)axn_ctl_dhcp_server_clear_for(c, ifindex);
    (void)axn_ctl_set_wants_dhcp(c, ifindex, true);
    return 0;
}

/* CTL-28 step 4: by name again, since the interface may have gone while
 * the firmware worked. The device gets the committed address (RT-13). */
static int apply_role(struct axn_stack *st, const char *ifname, const struct axn_wifi_mode *m,
                      axn_time_t now)
{
    st->plat->mutex_lock(st->core_lock);
    struct axn_iface_info info;
    int rc = find_interface(st, ifname, &info);
    if (rc == 0)
        rc = m->role == AXN_WIFI_AP ? become_ap(&st->ctl, info.ifindex, &m->ap)
                                    : become_sta(&st->ctl, info.ifindex);
    if (rc == 0)
        axn_stack_sync_device_ipv4(st, info.ifindex, now);
    st->plat->mutex_unlock(st->core_lock);
    /* Nothing undoes a firmware command: say the two now disagree. */
    if (rc < 0)
        AXN_ERROR(st->plat,
                  "wifi: %s: switched in firmware, but the stack kept its old "
                  "configuration (%d)",
                  ifname, rc);
    return rc;
}

/* ---- The MAC after the switch (CTL-15, CTL-28 step 3) ------------------------ */

/* The registry learns the new MAC from the adapter, which reads its
 * driver's MAC when it next runs; the handle's view is only logged. */
static void report_mac(struct axn_stack *st, const struct axn_ctl_wifi_slot *h,
                       const struct axn_iface_info *before)
{
    if (h->ops.mac_address == NULL)
        return;
    struct axn_mac now;
    h->ops.mac_address(h->ctx, &now);
    if (memcmp(&now, &before->mac, sizeof(now)) == 0)
        return;
    char was_s[AXN_MAC_STR_LEN];
    char now_s[AXN_MAC_STR_LEN];
    axn_fmt_mac(was_s, sizeof(was_s), &before->mac);
    axn_fmt_mac(now_s, sizeof(now_s), &now);
    AXN_INFO(st->plat, "wifi: %s: MAC %s -> %s with the role switch", h->name, was_s, now_s);
}

/* ---- Reconfigure (CTL-28) ---------------------------------------------------- */

int axn_wifi_reconfigure(struct axn_stack *st, const char *ifname, const struct axn_wifi_mode *mode,
                         axn_time_t now)
{
    if (!axn_ctl_name_is_valid(ifname) || !mode_is_valid(mode)) {
        AXN_ERROR(st->plat, "wifi: reconfigure: bad interface name or mode");
        return -AXN_EINVAL;
    }
    struct axn_ctl_wifi_slot h;
    struct axn_iface_info before;
    int rc = take_handle(st, ifname, &h);
    if (rc == 0)
        rc = find_interface(st, ifname, &before);
    if (rc == 0)
        rc = run_link_layer(st, &h, mode);
    if (rc < 0)
        return rc;
    rc = apply_role(st, ifname, mode, now);
    if (rc < 0)
        return rc;
    report_mac(st, &h, &before);
    /* The adapter runs, notices a new MAC and tells the registry (CTL-15). */
    axn_stack_wake_device(st, before.ifindex);
    axn_stack_request_poll(st); /* CTL-28 step 5 */
    AXN_INFO(st->plat, "wifi: %s: now %s", ifname, mode->role == AXN_WIFI_AP ? "AP" : "STA");
    return 0;
}
