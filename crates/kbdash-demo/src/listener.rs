//! The TCP listener of the demo server, able to really refuse connections for a while and to
//! cut every open connection (the "refuse connections" fault).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::faults::Faults;

/// Accepts connections on a fixed address, closing the port while a refusal fault lasts.
pub(crate) struct FaultyListener {
    listener: Option<TcpListener>,
    addr: SocketAddr,
    faults: Faults,
}

impl FaultyListener {
    /// Binds `127.0.0.1:port` (0 = a free port).
    pub(crate) async fn bind(port: u16, faults: Faults) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        Ok(FaultyListener {
            listener: Some(listener),
            addr,
            faults,
        })
    }

    /// Closes the port until the refusal ends, then binds it again.
    async fn sit_out_refusal(&mut self) {
        while let Some(until) = self.faults.refusing_until() {
            self.listener = None;
            // Clearing the faults ends the refusal early.
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {}
                _ = self.faults.refusal_requested() => {}
            }
        }
        while self.listener.is_none() {
            match TcpListener::bind(self.addr).await {
                Ok(l) => self.listener = Some(l),
                // The port may linger briefly; try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

impl axum::serve::Listener for FaultyListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            self.sit_out_refusal().await;
            let Some(listener) = self.listener.as_ref() else {
                continue;
            };
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, addr)) => {
                        // Subscribed before the check: a cut that comes later still reaches
                        // this connection, and one that came earlier set the refusal first.
                        let killer = self.faults.connection_killer();
                        if self.faults.refusing_until().is_some() {
                            // Accepted while a refusal was being set up: refused all the same.
                            continue;
                        }
                        let _ = stream.set_nodelay(true);
                        return (KillableStream::new(stream, killer), addr);
                    }
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                _ = self.faults.refusal_requested() => {}
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// A connection that fails its reads and writes once the connection killer fires.
pub(crate) struct KillableStream {
    inner: TcpStream,
    killed: Pin<Box<dyn Future<Output = ()> + Send>>,
    dead: bool,
}

impl KillableStream {
    /// `inner`, cut when `killer` changes after it was subscribed.
    fn new(inner: TcpStream, mut killer: watch::Receiver<u64>) -> Self {
        let killed = Box::pin(async move {
            // A closed sender means the server is gone: never fire.
            if killer.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        });
        KillableStream {
            inner,
            killed,
            dead: false,
        }
    }

    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        // A finished future must not be polled again.
        if !self.dead && self.killed.as_mut().poll(cx).is_ready() {
            self.dead = true;
        }
        if self.dead {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection cut by fault injection",
            ));
        }
        Ok(())
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
