package workers

import (
	"sync"
	"testing"
	"time"
)

// waitIdle waits until p has n idle goroutines.
func waitIdle[T any](t *testing.T, p *Pool[T], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.IdleCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("IdleCount = %d after 5s; want %d", p.IdleCount(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReuse(t *testing.T) {
	done := make(chan struct{})
	var mu sync.Mutex
	var got []int
	started := 0
	p := New(func(i int) {
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
	}, time.Minute, done)
	for i := range 10 {
		if p.IdleCount() == 0 {
			started++
		}
		p.Go(i)
		waitIdle(t, p, 1)
	}
	if started != 1 {
		t.Errorf("10 tasks one after another started %d goroutines; want 1", started)
	}
	close(done)
	p.Wait()
	if p.IdleCount() != 0 {
		t.Errorf("IdleCount = %d after Done and Wait; want 0", p.IdleCount())
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("tasks ran as %v; want 0..9 in order", got)
		}
	}
}

func TestConcurrentTasksGetTheirOwnGoroutines(t *testing.T) {
	done := make(chan struct{})
	release := make(chan struct{})
	var running sync.WaitGroup
	p := New(func(int) { running.Done(); <-release }, time.Minute, done)
	running.Add(3)
	for i := range 3 {
		p.Go(i)
	}
	running.Wait() // all three run at once: none waited for another
	close(release)
	waitIdle(t, p, 3)
	close(done)
	p.Wait()
}

func TestIdleGoroutinesLeave(t *testing.T) {
	p := New(func(int) {}, 10*time.Millisecond, make(chan struct{}))
	p.Go(1)
	p.Wait() // returns only once the goroutine left after Idle
	if p.IdleCount() != 0 {
		t.Errorf("IdleCount = %d after the idle goroutine left; want 0", p.IdleCount())
	}
}

// TestEveryTaskRuns races Go against goroutines leaving after a short Idle
// and against Done, and checks that every task runs exactly once.
func TestEveryTaskRuns(t *testing.T) {
	const senders, each = 4, 2000
	done := make(chan struct{})
	var mu sync.Mutex
	ran := map[int]int{}
	p := New(func(i int) {
		mu.Lock()
		ran[i]++
		mu.Unlock()
	}, 50*time.Microsecond, done)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p.Go(s*each + i)
				if i%100 == 0 {
					time.Sleep(100 * time.Microsecond) // let some goroutines time out
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	p.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(ran) != senders*each {
		t.Fatalf("%d distinct tasks ran; want %d", len(ran), senders*each)
	}
	for i, n := range ran {
		if n != 1 {
			t.Fatalf("task %d ran %d times; want 1", i, n)
		}
	}
}
