/* Temporary: removed once port/posix has its sources. */
typedef int axn_posix_port_placeholder;
