/*
 * Error codes. Every axnet call that can fail returns a negative Linux errno
 * value, so a Linux-compatible kernel hands it straight to user space. The
 * numbers are the asm-generic ones used by x86-64, arm64 and riscv64 Linux.
 */
#ifndef AXNET_ERRNO_H
#define AXNET_ERRNO_H

#define AXN_EPERM           1
#define AXN_ENOENT          2
#define AXN_EINTR           4
#define AXN_EIO             5
#define AXN_ENXIO           6
#define AXN_E2BIG           7
#define AXN_EBADF           9
#define AXN_EAGAIN          11
#define AXN_EWOULDBLOCK     AXN_EAGAIN
#define AXN_ENOMEM          12
#define AXN_EACCES          13
#define AXN_EFAULT          14
#define AXN_EBUSY           16
#define AXN_EEXIST          17
#define AXN_ENODEV          19
#define AXN_ENOTDIR         20
#define AXN_EINVAL          22
#define AXN_ENFILE          23
#define AXN_EMFILE          24
#define AXN_ENOTTY          25
#define AXN_ENOSPC          28
#define AXN_ESPIPE          29
#define AXN_EPIPE           32
#define AXN_EDOM            33
#define AXN_ERANGE          34
#define AXN_ENOSYS          38
#define AXN_ENAMETOOLONG    36
#define AXN_ELOOP           40
#define AXN_ENOMSG          42
#define AXN_ENONET          64
#define AXN_EPROTO          71
#define AXN_ENOPROTOOPT     92
#define AXN_ENODATA         61
#define AXN_ETIME           62
#define AXN_EBADMSG         74
#define AXN_EOVERFLOW       75
#define AXN_EBADFD          77
#define AXN_EILSEQ          84
#define AXN_ENOTSOCK        88
#define AXN_EDESTADDRREQ    89
#define AXN_EMSGSIZE        90
#define AXN_EPROTOTYPE      91
#define AXN_EPROTONOSUPPORT 93
#define AXN_ESOCKTNOSUPPORT 94
#define AXN_EOPNOTSUPP      95
#define AXN_EPFNOSUPPORT    96
#define AXN_EAFNOSUPPORT    97
#define AXN_EADDRINUSE      98
#define AXN_EADDRNOTAVAIL   99
#define AXN_ENETDOWN        100
#define AXN_ENETUNREACH     101
#define AXN_ENETRESET       102
#define AXN_ECONNABORTED    103
#define AXN_ECONNRESET      104
#define AXN_ENOBUFS         105
#define AXN_EISCONN         106
#define AXN_ENOTCONN        107
#define AXN_ESHUTDOWN       108
#define AXN_ETIMEDOUT       110
#define AXN_ECONNREFUSED    111
#define AXN_EHOSTDOWN       112
#define AXN_EHOSTUNREACH    113
#define AXN_EALREADY        114
#define AXN_EINPROGRESS     115

#endif /* AXNET_ERRNO_H */
