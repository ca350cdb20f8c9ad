package h2

import "golang.org/x/net/http2"

// peerSettings are the client's SETTINGS that shape what the server sends.
type peerSettings struct {
	peerWin   int64 // SETTINGS_INITIAL_WINDOW_SIZE
	peerFrame int   // SETTINGS_MAX_FRAME_SIZE
}

// settings are the server's SETTINGS.
func (c *conn) settings() []http2.Setting {
	ss := []http2.Setting{
		{ID: http2.SettingMaxConcurrentStreams, Val: c.maxStreams},
		{ID: http2.SettingInitialWindowSize, Val: initialStreamWindow},
		{ID: http2.SettingMaxHeaderListSize, Val: uint32(c.cfg.maxHeaderBytes())},
		{ID: http2.SettingEnableConnectProtocol, Val: 1},
	}
	if n := c.cfg.trioMaxReadFrameSize(); n != minMaxFrameSize {
		ss = append(ss, http2.Setting{ID: http2.SettingMaxFrameSize, Val: n})
	}
	return ss
}

func (c *conn) processSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	if err := c.flood(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return connErr(http2.ErrCode(err.(http2.ConnectionError)), "invalid setting "+s.ID.String())
		}
		return c.applySettingLocked(s)
	})
	if err != nil {
		return err
	}
	c.out = appendSettingsAck(c.out)
	c.signalLocked()
	return nil
}

func (c *conn) applySettingLocked(s http2.Setting) error {
	switch s.ID {
	case http2.SettingHeaderTableSize:
		c.enc.setLimit(s.Val)
	case http2.SettingInitialWindowSize:
		delta := int64(s.Val) - c.peerWin
		c.peerWin = int64(s.Val)
		for _, st := range c.streams {
			st.sendWin += delta
			if st.sendWin > maxWindow {
				return connErr(http2.ErrCodeFlowControl, "window overflow")
			}
			st.wcond.Broadcast()
		}
		if c.sWaiters > 0 {
			c.scond.Broadcast()
		}
	case http2.SettingMaxFrameSize:
		c.peerFrame = int(s.Val)
	}
	return nil
}
